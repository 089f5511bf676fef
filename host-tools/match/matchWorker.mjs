// Thread entry for matchWorker.ts: registers the TypeScript loader (tsx, a runtime dependency)
// in this thread, then runs the worker module. Plain JS so it loads however the host was started.
import { register } from "tsx/esm/api";
register();
await import("./matchWorker.ts");
