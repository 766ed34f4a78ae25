// @ts-check
/** `npm start` on a fresh clone: create .dev.vars from the example so the relay has local secrets to check. */
import { copyFileSync, existsSync } from "node:fs";

if (!existsSync(".dev.vars")) {
  copyFileSync(".dev.vars.example", ".dev.vars");
  console.log("created .dev.vars from .dev.vars.example (local-only tokens; edit it to change them)");
}
