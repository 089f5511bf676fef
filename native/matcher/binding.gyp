{
  "targets": [
    {
      "target_name": "omamori_matcher",
      "sources": ["src/addon.c", "src/matcher.c", "src/gaen_portable.c", "src/gaen_x86.c", "src/gaen_arm.c"],
      "cflags": ["-O3", "-std=gnu11", "-Wall", "-Wextra"],
      "cflags!": ["-O2"],
      "xcode_settings": { "OTHER_CFLAGS": ["-O3", "-std=gnu11"] },
      "conditions": [
        ["target_arch=='arm64'", {
          "cflags": ["-march=armv8-a+crypto"],
          "xcode_settings": { "OTHER_CFLAGS": ["-march=armv8-a+crypto"] }
        }]
      ]
    }
  ]
}
