declare module "vitest" {
  export interface ProvidedContext {
    upstreamPort: number;
  }
}
export {};
