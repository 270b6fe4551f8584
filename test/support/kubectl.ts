// Whether a real kubectl is on PATH. Tests that drive it skip without one on a developer machine and fail
// under CI=true, where .ci/run installs it.
import { execFileSync } from "node:child_process";

export function hasKubectl(): boolean {
  try {
    execFileSync("kubectl", ["version", "--client"], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}
