import type { TestProject } from "vitest/node";
import { startStandIn } from "../tools/stand-in/server.js";

/** Starts the stand-in upstream on 127.0.0.1 for the whole run; the returned teardown stops it. */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const standIn = await startStandIn();
  project.provide("upstreamPort", standIn.port);
  return () => standIn.close();
}
