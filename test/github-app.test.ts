// kopt as a GitHub App, end to end against the simulator: the App's private key (a PEM in the environment)
// signs a JWT, GET /app names the bot, the installation token opens the pull request and pushes over git.
// And the key's absence is bad input that names what is missing.
import { generateKeyPairSync } from "node:crypto";
import { join } from "node:path";
import { expect, it } from "vitest";
import type { PlanOutcome } from "../src/workflows/plan.ts";
import { USERS, type World, worldForTest } from "./support/github-world.ts";

const keys = generateKeyPairSync("rsa", { modulusLength: 2048 });
const PRIVATE_KEY = keys.privateKey.export({ type: "pkcs8", format: "pem" }).toString();
const APP = {
  appId: 4242,
  installationId: 77,
  publicKeyPem: keys.publicKey.export({ type: "spki", format: "pem" }).toString(),
  login: "kopt[bot]",
};
const BOT = "kopt[bot]";

let w: World | undefined;

const appAuth = (key: string) =>
  `    auth:\n      app:\n        appId: ${APP.appId}\n        installationId: ${APP.installationId}\n        ${key}\n`;

function appWorld(key = "privateKeyEnv: KOPT_APP_KEY"): Promise<World> {
  return worldForTest({ sim: { users: [...USERS, BOT], app: APP }, githubExtra: appAuth(key) });
}

/** No GITHUB_TOKEN: the App's key is the only credential. */
const appEnv = (key: string | undefined) => ({ GITHUB_TOKEN: undefined, KOPT_APP_KEY: key });

it("plans as the App: the bot opens the pull request and pushes with the installation token", async () => {
  w = await appWorld();
  const r = await w.kopt(["plan", "--cluster", "demo", "--workload", "todo/backend", "--output", "json"], {
    env: appEnv(PRIVATE_KEY),
  });
  expect(r.stderr).toBe("");
  expect(r.code).toBe(0);
  const planned = JSON.parse(r.stdout) as PlanOutcome;
  expect(planned.forge).toBe("github");
  expect(planned.proposals.map((p) => [p.workload.name, p.kind, p.status])).toEqual([
    ["backend", "rightsize", "created"],
  ]);
  const proposal = planned.proposals[0] as PlanOutcome["proposals"][number];
  const pull = w.sim.state.pulls.find((p) => p.head === proposal.branch);
  expect(pull?.user).toBe(BOT);
  expect(pull?.headSha).toBe(proposal.commit);

  // GET /app was signed with the JWT; an installation token was issued for the bot.
  const appRequest = w.sim.requests.find((x) => x.operationId === "apps/get-authenticated");
  expect(appRequest).toMatchObject({ status: 200, app: APP.appId });
  const [issued] = w.sim.state.installationTokens;
  expect(issued?.login).toBe(BOT);
  // The branch went over git smart HTTP with that token: the bot pushed it.
  const pushes = w.sim.requests.filter(
    (x) => x.git && x.path.endsWith("/git-receive-pack") && x.status === 200,
  );
  expect(pushes.length).toBeGreaterThan(0);
  expect(pushes.every((x) => x.login === BOT)).toBe(true);
  // Nothing authenticated as the token's user (kopt-ci): every REST call is the bot's or the App's.
  expect(w.sim.requests.filter((x) => x.login === "kopt-ci")).toEqual([]);
});

it("without the key's environment variable: exit 2, naming the variable", async () => {
  w = await appWorld();
  const r = await w.kopt(["plan", "--cluster", "demo", "--workload", "todo/backend"], {
    env: appEnv(undefined),
  });
  expect(r.code).toBe(2);
  expect(r.stderr).toContain("KOPT_APP_KEY");
  expect(w.sim.state.pulls).toEqual([]);
  expect(w.sim.state.installationTokens).toEqual([]);
});

it("with privateKeyFile pointing at a missing file: exit 2, naming the file", async () => {
  w = await appWorld("privateKeyFile: keys/missing-app-key.pem");
  const r = await w.kopt(["plan", "--cluster", "demo", "--workload", "todo/backend"], {
    env: appEnv(undefined),
  });
  expect(r.code).toBe(2);
  expect(r.stderr).toContain(join("keys", "missing-app-key.pem"));
  expect(w.sim.state.pulls).toEqual([]);
});
