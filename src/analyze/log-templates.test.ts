import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { detectLevel, maskLine, tokenize, utf8Length } from "./log-lines.ts";
import {
  type MinedLog,
  mineTemplates,
  newSince,
  rankForCrash,
  tailOfLines,
  tailOfText,
  templateId,
} from "./log-templates.ts";

const lines = (text: string) => text.split("\n");
/** count, level and template of each template, in the order of their first line. */
const summary = (mined: MinedLog) => mined.templates.map((t) => [t.count, t.level ?? null, t.template]);

// Samples in the shape of Loghub's (github.com/logpai/loghub) and of the logs a crash-looping pod prints.

const HDFS = `081109 203518 143 INFO dfs.DataNode$DataXceiver: Receiving block blk_-1608999687919862906 src: /10.250.19.102:54106 dest: /10.250.19.102:50010
081109 203518 35 INFO dfs.FSNamesystem: BLOCK* NameSystem.allocateBlock: /mnt/hadoop/mapred/system/job_200811092030_0001/job.jar. blk_-1608999687919862906
081109 203519 143 INFO dfs.DataNode$DataXceiver: Receiving block blk_-1608999687919862906 src: /10.250.10.6:40524 dest: /10.250.10.6:50010
081109 203519 145 INFO dfs.DataNode$PacketResponder: PacketResponder 1 for block blk_-1608999687919862906 terminating
081109 203519 145 INFO dfs.DataNode$PacketResponder: Received block blk_-1608999687919862906 of size 91178 from /10.250.10.6
081109 203519 147 INFO dfs.DataNode$PacketResponder: PacketResponder 2 for block blk_-1608999687919862906 terminating
081109 203519 147 INFO dfs.DataNode$PacketResponder: Received block blk_-1608999687919862906 of size 91178 from /10.250.19.102
081109 204005 35 INFO dfs.FSNamesystem: BLOCK* NameSystem.addStoredBlock: blockMap updated: 10.251.73.220:50010 is added to blk_7128370237687728475 size 67108864
081109 204015 308 INFO dfs.DataNode$PacketResponder: PacketResponder 2 for block blk_8229193803249955061 terminating
081109 204106 329 INFO dfs.DataNode$PacketResponder: PacketResponder 0 for block blk_-6670958622368987959 terminating
081109 204132 26 INFO dfs.FSNamesystem: BLOCK* NameSystem.addStoredBlock: blockMap updated: 10.251.43.115:50010 is added to blk_3050920587428079149 size 67108864
081109 204324 34 WARN dfs.DataNode$DataXceiver: 10.251.30.6:50010:Got exception while serving blk_-2918118818249673980 to /10.251.90.64:
081109 204453 34 INFO dfs.FSNamesystem: BLOCK* NameSystem.allocateBlock: /user/root/rand/_temporary/_task_200811092030_0002_m_000296_0/part-00296. blk_-6620182933895093708`;

const OPENSSH = `Dec 10 06:55:46 LabSZ sshd[24200]: reverse mapping checking getaddrinfo for ns.marryaldkfaczcz.com [173.234.31.186] failed - POSSIBLE BREAK-IN ATTEMPT!
Dec 10 06:55:46 LabSZ sshd[24200]: Invalid user webmaster from 173.234.31.186
Dec 10 06:55:46 LabSZ sshd[24200]: input_userauth_request: invalid user webmaster [preauth]
Dec 10 06:55:46 LabSZ sshd[24200]: pam_unix(sshd:auth): check pass; user unknown
Dec 10 06:55:46 LabSZ sshd[24200]: pam_unix(sshd:auth): authentication failure; logname= uid=0 euid=0 tty=ssh ruser= rhost=173.234.31.186 
Dec 10 06:55:48 LabSZ sshd[24200]: Failed password for invalid user webmaster from 173.234.31.186 port 38926 ssh2
Dec 10 06:55:48 LabSZ sshd[24200]: Connection closed by 173.234.31.186 [preauth]
Dec 10 07:02:47 LabSZ sshd[24203]: Connection closed by 212.47.254.145 [preauth]
Dec 10 07:07:38 LabSZ sshd[24206]: Invalid user test9 from 52.80.34.196
Dec 10 07:07:38 LabSZ sshd[24206]: input_userauth_request: invalid user test9 [preauth]
Dec 10 07:07:38 LabSZ sshd[24206]: pam_unix(sshd:auth): check pass; user unknown
Dec 10 07:07:38 LabSZ sshd[24206]: pam_unix(sshd:auth): authentication failure; logname= uid=0 euid=0 tty=ssh ruser= rhost=52.80.34.196 
Dec 10 07:07:45 LabSZ sshd[24206]: Failed password for invalid user test9 from 52.80.34.196 port 36060 ssh2
Dec 10 07:08:28 LabSZ sshd[24208]: Received disconnect from 112.95.230.3: 11: Bye Bye [preauth]
Dec 10 07:11:42 LabSZ sshd[24224]: Failed password for root from 112.95.230.3 port 51220 ssh2
Dec 10 07:13:43 LabSZ sshd[24227]: Failed password for root from 5.36.59.76 port 42393 ssh2`;

const JAVA = `2026-12-03 12:00:00.512  INFO 1 --- [           main] com.example.todo.TodoApplication         : Starting TodoApplication v1.4.2 using Java 17.0.9 with PID 1
2026-12-03 12:00:03.118  INFO 1 --- [           main] com.zaxxer.hikari.HikariDataSource       : HikariPool-1 - Starting...
2026-12-03 12:00:04.201 ERROR 1 --- [           main] com.zaxxer.hikari.pool.HikariPool        : HikariPool-1 - Exception during pool initialization.
org.postgresql.util.PSQLException: Connection to postgres.todo.svc.cluster.local:5432 refused. Check that the hostname and port are correct and that the postmaster is accepting TCP/IP connections.
\tat org.postgresql.core.v3.ConnectionFactoryImpl.openConnectionImpl(ConnectionFactoryImpl.java:346)
\tat org.postgresql.core.ConnectionFactory.openConnection(ConnectionFactory.java:54)
\tat org.postgresql.jdbc.PgConnection.<init>(PgConnection.java:263)
\tat com.zaxxer.hikari.pool.HikariPool.checkFailFast(HikariPool.java:554)
Caused by: java.net.ConnectException: Connection refused
\tat java.base/sun.nio.ch.Net.connect0(Native Method)
\tat java.base/sun.nio.ch.Net.connect(Net.java:579)
\t... 42 common frames omitted
2026-12-03 12:00:04.233 ERROR 1 --- [           main] o.s.boot.SpringApplication               : Application run failed`;

const GO_PANIC = `2026/12/03 12:00:00 starting worker queue=todo-events concurrency=4
2026/12/03 12:00:00 connected to nats://nats.todo.svc:4222 in 12ms
panic: runtime error: invalid memory address or nil pointer dereference
[signal SIGSEGV: segmentation violation code=0x1 addr=0x0 pc=0x4a6b2c]

goroutine 1 [running]:
main.(*Worker).handle(0x0, 0xc000012345)
\t/app/worker.go:42 +0x1c
main.main()
\t/app/main.go:17 +0x25`;

const POSTGRES_REFUSED = `2026-12-03T12:00:00.000Z INFO  starting todo-api version=1.4.2 port=8080
2026-12-03T12:00:00.120Z INFO  connecting to database host=postgres.todo.svc.cluster.local port=5432
2026-12-03T12:00:00.130Z ERROR connect ECONNREFUSED 10.96.12.34:5432 attempt=1 retry_in=500ms
2026-12-03T12:00:00.631Z ERROR connect ECONNREFUSED 10.96.12.34:5432 attempt=2 retry_in=1s
2026-12-03T12:00:01.633Z ERROR connect ECONNREFUSED 10.96.12.34:5432 attempt=3 retry_in=2s
2026-12-03T12:00:03.635Z ERROR connect ECONNREFUSED 10.96.12.34:5432 attempt=4 retry_in=4s
2026-12-03T12:00:07.640Z FATAL giving up after 4 attempts: connect ECONNREFUSED 10.96.12.34:5432`;

const JSON_LOG = `{"level":"info","ts":"2026-12-03T12:00:00.000Z","caller":"server/main.go:31","msg":"listening","addr":":8080"}
{"level":"info","ts":"2026-12-03T12:00:01.250Z","caller":"server/http.go:88","msg":"request served","method":"GET","path":"/api/todos","status":200,"duration":"3ms","trace_id":"4bf92f3577b34da6a3ce929d0e0e4736"}
{"level":"info","ts":"2026-12-03T12:00:01.900Z","caller":"server/http.go:88","msg":"request served","method":"POST","path":"/api/todos","status":201,"duration":"12ms","trace_id":"00f067aa0ba902b7a3ce929d0e0e4736"}
{"level":"error","ts":"2026-12-03T12:00:02.410Z","caller":"store/pg.go:57","msg":"query failed","error":"dial tcp 10.96.12.34:5432: connect: connection refused","request_id":"3f2b8c1e-9a4d-4e7b-b1c2-5d6e7f8a9b0c"}
{"level":"error","ts":"2026-12-03T12:00:02.950Z","caller":"store/pg.go:57","msg":"query failed","error":"dial tcp 10.96.12.34:5432: connect: connection refused","request_id":"7a1c2d3e-4f5a-4b6c-8d7e-9f0a1b2c3d4e"}
{"level":"fatal","ts":"2026-12-03T12:00:03.001Z","caller":"server/main.go:45","msg":"health check failed, exiting","error":"dial tcp 10.96.12.34:5432: connect: connection refused"}`;

describe("masking, before Drain sees a token", () => {
  it("masks IPv4 and IPv6 addresses with their port, UUIDs, hex ids, durations, timestamps and numbers", () => {
    expect(maskLine("dial tcp 10.96.12.34:5432: connect: connection refused")).toBe(
      "dial tcp <IP>: connect: connection refused",
    );
    expect(maskLine("from 173.234.31.186 to /10.250.10.6 and 10.0.0.1.")).toBe(
      "from <IP> to /<IP> and <IP>.",
    );
    expect(
      maskLine("peer 2001:db8:85a3:0:0:8a2e:370:7334 [2001:db8::1]:443 ::1 fe80::1ff:fe23:4567:890a"),
    ).toBe("peer <IP> <IP> <IP> <IP>");
    expect(maskLine("request_id=3f2b8c1e-9a4d-4e7b-b1c2-5d6e7f8a9b0c done")).toBe("request_id=<UUID> done");
    expect(
      maskLine("addr=0x0 pc=0x4a6b2c trace 4bf92f3577b34da6a3ce929d0e0e4736 pod todo-api-7d4b9c8f6d-x2x9k"),
    ).toBe("addr=<HEX> pc=<HEX> trace <HEX> pod todo-api-<HEX>-x2x9k");
    expect(maskLine("took 150ms, then 1m30s, then 2.5s; retry in 500us")).toBe(
      "took <DURATION>, then <DURATION>, then <DURATION>; retry in <DURATION>",
    );
    expect(
      maskLine("2026-12-03T12:00:00.123Z 2026-12-03 12:00:01,5 Dec 10 06:55:46 [2026/12/03 12:00:00]"),
    ).toBe("<TS> <TS> Dec <NUM> <TS> [<TS>]");
    expect(maskLine("blk_-1608999687919862906 size 67108864 ratio 0.75 version 17.0.9 delta -3")).toBe(
      "blk_<NUM> size <NUM> ratio <NUM> version <NUM> delta <NUM>",
    );
  });

  it("leaves digits that are part of a word alone (klog's E1203, ipv4, sha256, ssh2, a decade)", () => {
    expect(maskLine("E1203 ipv4 sha256 ssh2 test9 facade deadbeef")).toBe(
      "E1203 ipv4 sha256 ssh2 test9 facade deadbeef",
    );
  });

  it("sets the header aside: timestamp, level, pid, thread, klog's prefix, syslog's host and process", () => {
    const message = (line: string) => tokenize(line).join(" ");
    expect(
      message(
        "2026-12-03 12:00:04.201 ERROR 1 --- [           main] o.s.boot.SpringApplication   : Application run failed",
      ),
    ).toBe("o.s.boot.SpringApplication : Application run failed");
    expect(
      message("E1203 12:00:00.123456       1 reflector.go:138] failed to list *v1.Pod: Unauthorized"),
    ).toBe("failed to list *v1.Pod: Unauthorized");
    expect(message("Dec 10 07:07:38 LabSZ sshd[24206]: Invalid user test9 from 52.80.34.196")).toBe(
      "Invalid user test9 from <IP>",
    );
    expect(
      message('2026-12-03 12:00:00.000 UTC [1] FATAL:  password authentication failed for user "todo"'),
    ).toBe('password authentication failed for user "todo"');
    expect(message('time=2026-12-03T12:00:00Z level=error msg="connect failed" host=db port=5432')).toBe(
      'msg="connect failed" host=db port=<NUM>',
    );
    expect(message("081109 203518 143 INFO dfs.DataNode$DataXceiver: Receiving block blk_-1")).toBe(
      "dfs.DataNode$DataXceiver: Receiving block blk_<NUM>",
    );
    // A JSON line: its message first, its level and time set aside, its other fields as key=value.
    expect(message('{"ts":1733227200.5,"level":"warn","msg":"slow query","took":"2s","table":"todos"}')).toBe(
      "slow query took=<DURATION> table=todos",
    );
    // A line that is all header keeps its tokens.
    expect(message("2026-12-03T12:00:00Z 42")).toBe("<TS> <NUM>");
  });
});

describe("detectLevel", () => {
  it.each([
    ['{"level":"error","msg":"Exception in handler"}', "error"],
    ['{"severity":"WARNING","message":"slow"}', "warn"],
    ['{"level":50,"msg":"pino error"}', "error"],
    ['{"level":30,"msg":"NullPointerException mentioned at info"}', "info"],
    ['time=2026-12-03T12:00:00Z level=warn msg="disk 91% full"', "warn"],
    ["E1203 12:00:00.123456       1 reflector.go:138] failed to list", "error"],
    ["F1203 12:00:00.123456       1 main.go:40] cannot start", "fatal"],
    ["I1203 12:00:00.123456       1 main.go:30] starting", "info"],
    ["panic: runtime error: index out of range [3] with length 3", "fatal"],
    ["fatal error: concurrent map writes", "fatal"],
    ["2026-12-03 12:00:00,000 - todo.db - ERROR - could not connect", "error"],
    ["2026-12-03 12:00:00.000 UTC [1] FATAL:  the database system is starting up", "fatal"],
    ["[WARN] cache miss ratio high", "warn"],
    ["2026/12/03 12:00:00 [error] 29#29: *1 connect() failed (111: Connection refused)", "error"],
    ["Traceback (most recent call last):", "error"],
    ["psycopg2.OperationalError: could not connect to server: Connection refused", "error"],
    ["java.lang.IllegalStateException: Failed to load ApplicationContext", "error"],
    ["Caused by: java.net.ConnectException: Connection refused", "error"],
    ["\tat org.postgresql.Driver.connect(Driver.java:285)", undefined],
    ["no errors found in 12 files", undefined],
  ])("%s → %s", (line, level) => {
    expect(detectLevel(line)).toBe(level);
  });
});

describe("Drain on Loghub-shaped logs", () => {
  it("HDFS: one template per message, block ids, addresses and sizes masked, differing paths as <*>", () => {
    const mined = mineTemplates(lines(HDFS));
    expect(summary(mined)).toEqual([
      [2, "info", "dfs.DataNode$DataXceiver: Receiving block blk_<NUM> src: /<IP> dest: /<IP>"],
      [2, "info", "dfs.FSNamesystem: BLOCK* NameSystem.allocateBlock: <*> blk_<NUM>"],
      [4, "info", "dfs.DataNode$PacketResponder: PacketResponder <NUM> for block blk_<NUM> terminating"],
      [2, "info", "dfs.DataNode$PacketResponder: Received block blk_<NUM> of size <NUM> from /<IP>"],
      [
        2,
        "info",
        "dfs.FSNamesystem: BLOCK* NameSystem.addStoredBlock: blockMap updated: <IP> is added to blk_<NUM> size <NUM>",
      ],
      [1, "warn", "dfs.DataNode$DataXceiver: <IP>:Got exception while serving blk_<NUM> to /<IP>:"],
    ]);
    const responder = mined.templates[2];
    expect(responder).toMatchObject({ firstIndex: 3, lastIndex: 9 });
    // The example is the template's last line, unmasked.
    expect(responder?.example).toBe(
      "081109 204106 329 INFO dfs.DataNode$PacketResponder: PacketResponder 0 for block blk_-6670958622368987959 terminating",
    );
    expect(mined).toMatchObject({ lineCount: 13, droppedLines: 0, cutLines: 0 });
  });

  it("OpenSSH: the syslog header set aside, users as <*>, 'invalid user' and 'root' apart (different lengths)", () => {
    expect(summary(mineTemplates(lines(OPENSSH)))).toEqual([
      [
        1,
        null,
        "reverse mapping checking getaddrinfo for ns.marryaldkfaczcz.com [<IP>] failed - POSSIBLE BREAK-IN ATTEMPT!",
      ],
      [2, null, "Invalid user <*> from <IP>"],
      [2, null, "input_userauth_request: invalid user <*> [preauth]"],
      [2, null, "pam_unix(sshd:auth): check pass; user unknown"],
      [
        2,
        null,
        "pam_unix(sshd:auth): authentication failure; logname= uid=<NUM> euid=<NUM> tty=ssh ruser= rhost=<IP>",
      ],
      [2, null, "Failed password for invalid user <*> from <IP> port <NUM> ssh2"],
      [2, null, "Connection closed by <IP> [preauth]"],
      [1, null, "Received disconnect from <IP>: <NUM>: Bye Bye [preauth]"],
      [2, null, "Failed password for root from <IP> port <NUM> ssh2"],
    ]);
  });

  it("a Java stack trace: the frames become one template, the exceptions and the last error their own", () => {
    expect(summary(mineTemplates(lines(JAVA)))).toEqual([
      [
        1,
        "info",
        "com.example.todo.TodoApplication : Starting TodoApplication v1.<NUM> using Java <NUM> with PID <NUM>",
      ],
      [1, "info", "com.zaxxer.hikari.HikariDataSource : HikariPool-<NUM> - Starting..."],
      [
        1,
        "error",
        "com.zaxxer.hikari.pool.HikariPool : HikariPool-<NUM> - Exception during pool initialization.",
      ],
      [
        1,
        "error",
        "org.postgresql.util.PSQLException: Connection to postgres.todo.svc.cluster.local:<NUM> refused. Check that the hostname and port are correct and that the postmaster is accepting TCP/IP connections.",
      ],
      [5, null, "at <*>"],
      [1, "error", "Caused by: java.net.ConnectException: Connection refused"],
      [1, null, "at java.base/sun.nio.ch.Net.connect0(Native Method)"],
      [1, null, "... <NUM> common frames omitted"],
      [1, "error", "o.s.boot.SpringApplication : Application run failed"],
    ]);
  });

  it("a Go panic: the panic is fatal, addresses and offsets masked, the blank line makes no template", () => {
    const mined = mineTemplates(lines(GO_PANIC));
    expect(summary(mined)).toEqual([
      [1, null, "starting worker queue=todo-events concurrency=<NUM>"],
      [1, null, "connected to nats://nats.todo.svc:<NUM> in <DURATION>"],
      [1, "fatal", "panic: runtime error: invalid memory address or nil pointer dereference"],
      [1, null, "[signal SIGSEGV: segmentation violation code=<HEX> addr=<HEX> pc=<HEX>]"],
      [1, null, "goroutine <NUM> [running]:"],
      [1, null, "main.(*Worker).handle(<HEX>, <HEX>)"],
      [1, null, "/app/worker.go:<NUM> +<HEX>"],
      [1, null, "main.main()"],
      [1, null, "/app/main.go:<NUM> +<HEX>"],
    ]);
    expect(mined.lineCount).toBe(10);
    expect(mined.templates[4]?.firstIndex).toBe(5);
  });

  it("an app refused by Postgres: the retries are one error template, the give-up a fatal one", () => {
    expect(summary(mineTemplates(lines(POSTGRES_REFUSED)))).toEqual([
      [1, "info", "starting todo-api version=<NUM> port=<NUM>"],
      [1, "info", "connecting to database host=postgres.todo.svc.cluster.local port=<NUM>"],
      [4, "error", "connect ECONNREFUSED <IP> attempt=<NUM> retry_in=<DURATION>"],
      [1, "fatal", "giving up after <NUM> attempts: connect ECONNREFUSED <IP>"],
    ]);
  });

  it("JSON logs: fields vary on their own (method as <*>), level from the field, ids masked", () => {
    expect(summary(mineTemplates(lines(JSON_LOG)))).toEqual([
      [1, "info", "listening caller=server/main.go:<NUM> addr=:<NUM>"],
      [
        2,
        "info",
        "request served caller=server/http.go:<NUM> <*> path=/api/todos status=<NUM> duration=<DURATION> trace_id=<HEX>",
      ],
      [
        2,
        "error",
        "query failed caller=store/pg.go:<NUM> error=dial tcp <IP>: connect: connection refused request_id=<UUID>",
      ],
      [
        1,
        "fatal",
        "health check failed, exiting caller=server/main.go:<NUM> error=dial tcp <IP>: connect: connection refused",
      ],
    ]);
  });

  it("a template's level is the most severe of its lines", () => {
    const mined = mineTemplates([
      "INFO cache sync done in 3s",
      "ERROR cache sync done in 9s",
      "INFO cache sync done",
    ]);
    expect(summary(mined)).toEqual([
      [2, "error", "cache sync done in <DURATION>"],
      [1, "info", "cache sync done"],
    ]);
  });
});

describe("Drain's similarity threshold (0.4) and tree", () => {
  it("joins a line whose tokens match the template at exactly 0.4 (2 of 5), and generalizes it", () => {
    const mined = mineTemplates(["alpha beta gamma delta epsilon", "alpha beta zeta eta theta"]);
    expect(summary(mined)).toEqual([[2, null, "alpha beta <*> <*> <*>"]]);
  });

  it("keeps a line below 0.4 apart (1 of 5; 3 of 10), and joins 4 of 10", () => {
    expect(summary(mineTemplates(["alpha beta gamma delta epsilon", "alpha zeta eta theta iota"]))).toEqual([
      [1, null, "alpha beta gamma delta epsilon"],
      [1, null, "alpha zeta eta theta iota"],
    ]);
    const ten = "alpha b c d e f g h i j";
    expect(mineTemplates([ten, "alpha b c k l m n o p q"]).templates).toHaveLength(2);
    expect(summary(mineTemplates([ten, "alpha b c d l m n o p q"]))).toEqual([
      [2, null, "alpha b c d <*> <*> <*> <*> <*> <*>"],
    ]);
  });

  it("takes the threshold as an option", () => {
    const pair = ["alpha beta gamma delta epsilon", "alpha beta zeta eta theta"];
    expect(mineTemplates(pair, { similarityThreshold: 0.5 }).templates).toHaveLength(2);
  });

  it("counts a template's <*> as no match for a new line, so a generalized template does not swallow all", () => {
    // "alpha beta <*> <*> <*>": a line sharing only "alpha" and the <*> positions is 1 of 5 similar.
    const mined = mineTemplates([
      "alpha beta gamma delta epsilon",
      "alpha beta zeta eta theta",
      "alpha kappa zeta eta theta",
    ]);
    expect(summary(mined)).toEqual([
      [2, null, "alpha beta <*> <*> <*>"],
      [1, null, "alpha kappa zeta eta theta"],
    ]);
  });

  it("breaks a tie in similarity in favour of the more general template (more <*>)", () => {
    const mined = mineTemplates([
      "alpha kappa lambda mu",
      "alpha beta gamma delta",
      "alpha beta zeta delta", // joins "alpha beta gamma delta" (3 of 4): "alpha beta <*> delta"
      "alpha kappa omega delta", // 2 of 4 to both; "alpha beta <*> delta" has the <*>
    ]);
    expect(summary(mined)).toEqual([
      [1, null, "alpha kappa lambda mu"],
      [3, null, "alpha <*> <*> delta"],
    ]);
  });

  it("never joins lines of different lengths, nor (depth 4) of different first tokens", () => {
    expect(mineTemplates(["alpha beta gamma", "alpha beta gamma delta"]).templates).toHaveLength(2);
    expect(mineTemplates(["alpha beta gamma delta", "omega beta gamma delta"]).templates).toHaveLength(2);
  });

  it("sends a first token with a digit down the <*> branch, so such lines can join", () => {
    expect(summary(mineTemplates(["node7a ready to serve", "node9b ready to serve"]))).toEqual([
      [2, null, "<*> ready to serve"],
    ]);
    // Without a digit, each first token has its own branch.
    expect(mineTemplates(["nodea ready to serve", "nodeb ready to serve"]).templates).toHaveLength(2);
  });

  it("at depth 5 also routes by the second token", () => {
    const pair = ["alpha beta gamma delta", "alpha omega gamma delta"];
    expect(mineTemplates(pair).templates).toHaveLength(1);
    expect(mineTemplates(pair, { depth: 5 }).templates).toHaveLength(2);
    expect(() => mineTemplates(pair, { depth: 2 })).toThrow(RangeError);
  });
});

describe("Drain's max children (100)", () => {
  /** A word of letters only (no digit, so it gets its own child while there is room): 0 → "wa", 27 → "wbb". */
  const word = (i: number) =>
    `w${String.fromCharCode(97 + Math.floor(i / 26))}${String.fromCharCode(97 + (i % 26))}`;

  it("gives 99 first tokens their own child; the 100th child is <*>, shared by every token after", () => {
    const mined = mineTemplates(Array.from({ length: 150 }, (_, i) => `${word(i)} connected to server`));
    expect(mined.templates).toHaveLength(100);
    expect(mined.templates.slice(0, 99).map((t) => [t.count, t.template])).toEqual(
      Array.from({ length: 99 }, (_, i) => [1, `${word(i)} connected to server`]),
    );
    expect(mined.templates[99]).toMatchObject({
      template: "<*> connected to server",
      count: 51,
      firstIndex: 99,
    });
  });

  it("takes max children as an option", () => {
    const mined = mineTemplates(["wa up", "wb up", "wc up", "wd up", "wa up"], { maxChildren: 3 });
    expect(summary(mined)).toEqual([
      [2, null, "wa up"],
      [1, null, "wb up"],
      [2, null, "<*> up"],
    ]);
  });
});

describe("bounds: the tail of a log, never more", () => {
  const line = (i: number) => `2026-12-03T12:00:00Z INFO request ${i} served in ${i % 900}ms`.padEnd(99, ".");

  it("keeps the last 1,000 lines of a 10 MB log; indices count from the kept tail", () => {
    const log = Array.from({ length: 100_000 }, (_, i) => line(i));
    const mined = mineTemplates(log);
    expect(mined).toMatchObject({ lineCount: 1000, droppedLines: 99_000, cutLines: 0 });
    expect(mined.templates).toHaveLength(1);
    expect(mined.templates[0]).toMatchObject({
      count: 1000,
      firstIndex: 0,
      lastIndex: 999,
      example: line(99_999),
    });
    // The same log as one text (what pods/log returns) gives the same tail.
    const text = `${log.join("\n")}\n`;
    expect(text.length).toBeGreaterThan(9_900_000);
    expect(tailOfText(text)).toEqual(tailOfLines(log));
  });

  it("keeps at most 256 KiB, newlines included: 261 lines of 1,000 bytes", () => {
    const log = Array.from({ length: 1000 }, (_, i) => `line ${i} `.padEnd(1000, "x"));
    const tail = tailOfLines(log);
    expect(Math.floor((256 * 1024) / 1001)).toBe(261);
    expect(tail.lines).toHaveLength(261);
    expect(tail.lines[0]).toBe(log[739]);
    expect(tail.droppedLines).toBe(739);
  });

  it("cuts a 5 MB line to its first 2 KiB, at a character's edge", () => {
    const mined = mineTemplates([`ERROR ${"x".repeat(5 * 1024 * 1024)}`]);
    expect(mined).toMatchObject({ lineCount: 1, cutLines: 1 });
    expect(mined.templates[0]?.example).toHaveLength(2048);
    expect(mined.templates[0]?.level).toBe("error");
    const wide = tailOfLines(["é".repeat(3_000_000), "😀".repeat(1_000_000)]);
    expect(wide.lines.map((l) => [l.length, utf8Length(l)])).toEqual([
      [1024, 2048],
      [1024, 2048], // 512 emoji, no half of a surrogate pair
    ]);
    expect(tailOfText("😀".repeat(1_000_000)).lines[0]).toBe("😀".repeat(512));
  });

  it("mines binary bytes as text: no control character reaches a template or an example", () => {
    const bytes = Buffer.from(Array.from({ length: 300_000 }, (_, i) => (i * 7919 + 13) % 256));
    const tail = tailOfText(bytes.toString("utf8"));
    expect(tail.lines.length).toBeGreaterThan(0);
    expect(tail.lines.every((l) => utf8Length(l) <= 2048)).toBe(true);
    expect(tail.lines.reduce((sum, l) => sum + utf8Length(l) + 1, 0)).toBeLessThanOrEqual(256 * 1024);
    const mined = mineTemplates(tail.lines);
    expect(mined.templates.length).toBeGreaterThan(0);
    // biome-ignore lint/suspicious/noControlCharactersInRegex: looking for control bytes is the point
    const control = /[\u0000-\u0008\u000a-\u001f\u007f]/;
    for (const t of mined.templates) {
      expect(t.template).not.toMatch(control);
      expect(t.example).not.toMatch(control);
    }
    expect(mined.templates.some((t) => t.example.includes("\uFFFD"))).toBe(true);
  });

  it("strips terminal colours and CRLF endings, and replaces other control bytes", () => {
    const mined = mineTemplates(["\u001b[31mERROR\u001b[0m db down\r", "WARN bell\u0007 rang\r"]);
    expect(mined.templates.map((t) => [t.level, t.template, t.example])).toEqual([
      ["error", "db down", "ERROR db down"],
      ["warn", "bell\uFFFD rang", "WARN bell\uFFFD rang"],
    ]);
  });

  it("takes the bounds as options (the benchmark mines 100,000 lines at once)", () => {
    const log = Array.from({ length: 5000 }, (_, i) => line(i));
    expect(
      mineTemplates(log, { maxLines: Number.POSITIVE_INFINITY, maxBytes: Number.POSITIVE_INFINITY }),
    ).toMatchObject({ lineCount: 5000, droppedLines: 0 });
    expect(tailOfText("", { maxLines: 10, maxBytes: 100, maxLineBytes: 10 })).toEqual({
      lines: [],
      droppedLines: 0,
      cutLines: 0,
    });
  });
});

describe("determinism", () => {
  it("gives the same templates and ids for the same lines, the id being the template's SHA-256", () => {
    const all = [HDFS, OPENSSH, JAVA, GO_PANIC, POSTGRES_REFUSED, JSON_LOG].flatMap(lines);
    const first = mineTemplates(all);
    expect(mineTemplates(all)).toEqual(first);
    expect(new Set(first.templates.map((t) => t.id)).size).toBe(first.templates.length);
    for (const t of first.templates) {
      expect(t.id).toBe(createHash("sha256").update(t.template).digest("hex").slice(0, 16));
    }
    expect(templateId("Invalid user <*> from <IP>")).toBe(
      createHash("sha256").update("Invalid user <*> from <IP>").digest("hex").slice(0, 16),
    );
  });

  it("gives a template the same id in another log (ids compare across containers and runs)", () => {
    const alone = mineTemplates(lines(POSTGRES_REFUSED));
    const among = mineTemplates([...lines(HDFS), ...lines(POSTGRES_REFUSED)]);
    const id = (m: MinedLog, template: string) => m.templates.find((t) => t.template === template)?.id;
    const refused = "connect ECONNREFUSED <IP> attempt=<NUM> retry_in=<DURATION>";
    expect(id(among, refused)).toBeDefined();
    expect(id(among, refused)).toBe(id(alone, refused));
  });
});

describe("rankForCrash", () => {
  it("ranks error and fatal templates by count and nearness to the end; info and warn are left out", () => {
    const ranked = rankForCrash(mineTemplates(lines(POSTGRES_REFUSED)));
    expect(ranked.map((t) => [t.template, t.count, t.linesFromEnd])).toEqual([
      ["connect ECONNREFUSED <IP> attempt=<NUM> retry_in=<DURATION>", 4, 1],
      ["giving up after <NUM> attempts: connect ECONNREFUSED <IP>", 1, 0],
    ]);
    // 7 lines; retries: proximity 1 - 1/7, frequency 1; give-up: proximity 1, frequency log 2 / log 5.
    expect(ranked[0]?.score).toBeCloseTo((1 - 1 / 7 + 1) / 2, 12);
    expect(ranked[1]?.score).toBeCloseTo((1 + Math.log(2) / Math.log(5)) / 2, 12);
  });

  it("puts the nearest error first when counts are equal (the Java crash)", () => {
    expect(rankForCrash(mineTemplates(lines(JAVA))).map((t) => [t.linesFromEnd, t.template])).toEqual([
      [0, "o.s.boot.SpringApplication : Application run failed"],
      [4, "Caused by: java.net.ConnectException: Connection refused"],
      [
        9,
        "org.postgresql.util.PSQLException: Connection to postgres.todo.svc.cluster.local:<NUM> refused. Check that the hostname and port are correct and that the postmaster is accepting TCP/IP connections.",
      ],
      [10, "com.zaxxer.hikari.pool.HikariPool : HikariPool-<NUM> - Exception during pool initialization."],
    ]);
  });

  it("lets a frequent error far from the end outrank a single one near it", () => {
    const log = [
      ...Array.from({ length: 60 }, (_, i) => `ERROR lookup of redis.cache.svc failed attempt=${i}`),
      ...Array.from({ length: 40 }, (_, i) => `INFO tick ${i}`),
      "ERROR shutting down",
    ];
    const ranked = rankForCrash(mineTemplates(log));
    expect(ranked.map((t) => t.template)).toEqual([
      "lookup of redis.cache.svc failed attempt=<NUM>",
      "shutting down",
    ]);
  });

  it("is empty when no line is error-level", () => {
    expect(rankForCrash(mineTemplates(lines(OPENSSH)))).toEqual([]);
  });
});

describe("newSince", () => {
  const previous = mineTemplates([
    "INFO starting todo-api version=1.4.2",
    "INFO user alice logged in",
    "WARN slow query took 2s",
  ]);

  it("returns the current instance's templates the previous one did not have", () => {
    const current = mineTemplates([
      "INFO starting todo-api version=1.4.3",
      "INFO user bob logged in",
      "INFO user carol logged in",
      "ERROR connect ECONNREFUSED 10.96.12.34:5432",
      "WARN slow query took 3s",
    ]);
    // "user <*> logged in" is the previous "user alice logged in", more general: not new.
    expect(current.templates.map((t) => t.template)).toContain("user <*> logged in");
    expect(newSince(previous, current).map((t) => t.template)).toEqual(["connect ECONNREFUSED <IP>"]);
  });

  it("calls new what Drain would not have joined to a previous template (below 0.4)", () => {
    // "user bob logged out": 2 of 4 like "user alice logged in", joined; "user bob failed login": 1 of 4.
    expect(newSince(previous, mineTemplates(["INFO user bob logged out"]))).toEqual([]);
    expect(newSince(previous, mineTemplates(["INFO user bob failed login"])).map((t) => t.template)).toEqual([
      "user bob failed login",
    ]);
  });

  it("finds everything new after an empty previous instance, and nothing new in the same log", () => {
    const current = mineTemplates(lines(POSTGRES_REFUSED));
    expect(newSince(mineTemplates([]), current)).toEqual(current.templates);
    expect(newSince(current, current)).toEqual([]);
  });
});
