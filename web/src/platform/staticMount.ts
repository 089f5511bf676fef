/**
 * Mounts the repository's own files (boards/*.json, the export schema, the default risk
 * configuration; scripts/build-web.ts) before any host module is evaluated: some read theirs when
 * they load (host-tools/keys/exportFile.ts reads export.proto). Import this first in every entry.
 */
import staticFiles from "omamori:static-files";
import { mountStatic } from "./vfs";

mountStatic(staticFiles);
