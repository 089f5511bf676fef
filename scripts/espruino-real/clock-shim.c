/*
 * A clock for Espruino's Linux build that behaves like a token's, loaded with LD_PRELOAD by
 * scripts/espruino-real/run.ts (compiled there with `gcc -m32 -shared`; never part of the firmware).
 *
 * Why: on Linux, Espruino's clock is the PC's (jshGetSystemTime = gettimeofday) and setTime() cannot
 * change it (jshSetSystemTime is empty in targets/linux/jshardware.c); a token's clock starts at 0
 * at power-on and setTime() moves it. This shim gives the interpreter that clock:
 *   - gettimeofday() returns a fake clock that starts at OMAMORI_CLOCK_START seconds (default 0)
 *     and runs at real speed;
 *   - a line "\x01OMCLK S <seconds>" printed on the console (stdout, one fputc per character, as
 *     Espruino's Linux build writes it) sets the clock at once, before the print returns;
 *   - "\x01OMCLK F <seconds>" fast-forwards: while the fake clock is before <seconds>, the main
 *     thread's idle sleeps (select() with no descriptors, Espruino's jshDelayMicroseconds) take
 *     no real time and move the clock instead (at least OMAMORI_CLOCK_STEP_US per sleep), so
 *     timers fire in order at their times and hours pass in seconds; JS work still takes real time.
 *     "\x01OMCLK X" stops a fast-forward.
 *   - open() of /sys/class/gpio/... goes to OMAMORI_GPIO_DIR instead (the Linux build drives pins
 *     through sysfs; the harness makes a folder of fake pin files there: LEDs can be read, the
 *     button pressed, and no real pin on the PC is ever touched).
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/select.h>
#include <sys/time.h>
#include <sys/types.h>
#include <time.h>

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_t mainThread;
static long long offsetUs;   /* fake clock = monotonic clock + offsetUs */
static long long ffUntil = -1; /* fast-forward target (fake us), -1 = none */
static long long stepUs = 1000;
static char gpioDir[512];
static char cmd[96];
static int cmdLen = -1; /* -1: not inside a command */

static long long monoUs(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (long long)ts.tv_sec * 1000000LL + ts.tv_nsec / 1000;
}

__attribute__((constructor)) static void init(void) {
  mainThread = pthread_self();
  const char *s = getenv("OMAMORI_CLOCK_START");
  double start = s ? atof(s) : 0;
  offsetUs = (long long)(start * 1e6) - monoUs();
  const char *st = getenv("OMAMORI_CLOCK_STEP_US");
  if (st && atoll(st) > 0) stepUs = atoll(st);
  const char *g = getenv("OMAMORI_GPIO_DIR");
  if (g) snprintf(gpioDir, sizeof gpioDir, "%s", g);
}

int gettimeofday(struct timeval *restrict tv, void *restrict tz) {
  (void)tz;
  pthread_mutex_lock(&lock);
  long long now = monoUs() + offsetUs;
  pthread_mutex_unlock(&lock);
  if (now < 0) now = 0;
  tv->tv_sec = (time_t)(now / 1000000LL);
  tv->tv_usec = (suseconds_t)(now % 1000000LL);
  return 0;
}

static void command(const char *c) {
  double v = 0;
  pthread_mutex_lock(&lock);
  if (sscanf(c, "OMCLK S %lf", &v) == 1) {
    offsetUs = (long long)(v * 1e6) - monoUs();
  } else if (sscanf(c, "OMCLK F %lf", &v) == 1) {
    ffUntil = (long long)(v * 1e6);
  } else if (strncmp(c, "OMCLK X", 7) == 0) {
    ffUntil = -1;
  }
  pthread_mutex_unlock(&lock);
}

int fputc(int ch, FILE *f) {
  static int (*real)(int, FILE *);
  if (!real) real = (int (*)(int, FILE *))dlsym(RTLD_NEXT, "fputc");
  if (f == stdout) {
    if (ch == 1) cmdLen = 0;
    else if (cmdLen >= 0) {
      if (ch == '\n' || ch == '\r' || cmdLen >= (int)sizeof cmd - 1) {
        cmd[cmdLen] = 0;
        command(cmd);
        cmdLen = -1;
      } else cmd[cmdLen++] = (char)ch;
    }
  }
  return real(ch, f);
}

int select(int n, fd_set *r, fd_set *w, fd_set *e, struct timeval *tv) {
  static int (*real)(int, fd_set *, fd_set *, fd_set *, struct timeval *);
  if (!real) real = (int (*)(int, fd_set *, fd_set *, fd_set *, struct timeval *))dlsym(RTLD_NEXT, "select");
  if (n == 0 && !r && !w && !e && tv && pthread_equal(pthread_self(), mainThread)) {
    long long want = (long long)tv->tv_sec * 1000000LL + tv->tv_usec;
    pthread_mutex_lock(&lock);
    if (ffUntil >= 0) {
      long long now = monoUs() + offsetUs;
      if (now < ffUntil) {
        long long step = want > stepUs ? want : stepUs;
        if (now + step > ffUntil) step = ffUntil - now;
        offsetUs += step;
        pthread_mutex_unlock(&lock);
        return 0;
      }
      ffUntil = -1;
    }
    pthread_mutex_unlock(&lock);
  }
  return real(n, r, w, e, tv);
}

static const char *redirect(const char *path, char *buf, size_t len) {
  if (gpioDir[0] && strncmp(path, "/sys/class/gpio", 15) == 0) {
    snprintf(buf, len, "%s%s", gpioDir, path + 15);
    return buf;
  }
  return path;
}

int open(const char *path, int flags, ...) {
  static int (*real)(const char *, int, ...);
  if (!real) real = (int (*)(const char *, int, ...))dlsym(RTLD_NEXT, "open");
  mode_t mode = 0;
  if (flags & O_CREAT) {
    va_list ap;
    va_start(ap, flags);
    mode = (mode_t)va_arg(ap, int);
    va_end(ap);
  }
  char buf[1024];
  return real(redirect(path, buf, sizeof buf), flags, mode);
}

int open64(const char *path, int flags, ...) {
  static int (*real)(const char *, int, ...);
  if (!real) real = (int (*)(const char *, int, ...))dlsym(RTLD_NEXT, "open64");
  mode_t mode = 0;
  if (flags & O_CREAT) {
    va_list ap;
    va_start(ap, flags);
    mode = (mode_t)va_arg(ap, int);
    va_end(ap);
  }
  char buf[1024];
  return real(redirect(path, buf, sizeof buf), flags, mode);
}
