/** `node:module` in the browser bundle: there are no native addons (the matcher uses its JavaScript engine). */
export function createRequire(): (id: string) => never {
  return (id: string) => {
    const e = new Error("a web page cannot load the native matcher (" + id + ")") as Error & { code: string };
    e.code = "MODULE_NOT_FOUND";
    throw e;
  };
}
export default { createRequire };
