// Benchmarks run what they measure in a child process of its own, so that its memory is the measured
// code's alone; this waits for the child's messages.
import type { fork } from "node:child_process";

/** The next message of `type` from the child; rejects if the child exits first. */
export function nextMessage<T>(child: ReturnType<typeof fork>, type: string, who = "child"): Promise<T> {
  return new Promise((resolve, reject) => {
    const onMessage = (m: { type: string }) => {
      if (m.type !== type) return;
      child.off("message", onMessage);
      resolve(m as T);
    };
    child.on("message", onMessage);
    child.once("exit", (code) => reject(new Error(`${who} exited (${code}) before "${type}"`)));
  });
}
