declare module "omamori:static-files" {
  const files: Record<string, string>;
  export default files;
}
