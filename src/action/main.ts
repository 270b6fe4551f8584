// The GitHub Action's entry (action.yml runs.main: dist/action.js, its esbuild bundle: npm run build:action).
import * as core from "@actions/core";
import { actionMain } from "./action.ts";

await actionMain(core);
