/**
 * A line-based chat room over TCP. The first line a client sends is its
 * name; every later line is broadcast to the others as `name: text`.
 *
 * Broadcasting never waits on a client: each client has its own bounded
 * queue (`Queue` with `maxsize`) drained to its socket by its own task, and
 * a client whose queue is full (it stopped reading) is dropped, so one slow
 * client cannot stall the room.
 *
 * By default it runs a scripted demo: it starts the server, connects three
 * clients (alice, bob, carol) that chat, prints what each receives, and
 * exits. With `--serve` it serves on `--port` (default 7777) until the room
 * is empty again after someone joined (or Ctrl-C).
 *
 * Run: `deno run --allow-net=127.0.0.1 examples/chat_server.ts`
 * or `deno run --allow-net=127.0.0.1 examples/chat_server.ts --serve` and
 * `nc 127.0.0.1 7777`.
 *
 * @module
 */

import {
  openConnection,
  type Server,
  startServer,
  type StreamReader,
  type StreamWriter,
} from "../io/mod.ts";
import { createTask, run } from "../task/mod.ts";
import { Event, Queue } from "../sync/mod.ts";

const decoder = new TextDecoder();
/** Lines a client may have queued before it counts as too slow. */
const QUEUE_SIZE = 100;

/** A chat room: who is in, and how to reach them. */
class Room {
  readonly #members = new Map<string, Queue<string>>();
  /** Set once someone joined and everybody left. */
  readonly empty: Event = new Event();

  get size(): number {
    return this.#members.size;
  }

  join(name: string): Queue<string> | null {
    if (this.#members.has(name)) return null;
    const queue = new Queue<string>(QUEUE_SIZE);
    this.#members.set(name, queue);
    this.broadcast(`* ${name} joined`, name);
    return queue;
  }

  leave(name: string): void {
    const queue = this.#members.get(name);
    if (queue === undefined) return;
    this.#members.delete(name);
    queue.shutdown(true);
    this.broadcast(`* ${name} left`, name);
    if (this.#members.size === 0) this.empty.set();
  }

  /** Queues `line` for everybody but `from`; never waits. */
  broadcast(line: string, from: string): void {
    for (const [name, queue] of this.#members) {
      if (name === from) continue;
      try {
        queue.putNowait(line);
      } catch {
        // Its queue is full: the client stopped reading. Drop it.
        this.leave(name);
      }
    }
  }

  async handle(reader: StreamReader, writer: StreamWriter): Promise<void> {
    writer.write("name?\n");
    const name = decoder.decode(await reader.readLine()).trim();
    if (name === "") return;
    const queue = this.join(name);
    if (queue === null) {
      writer.write(`error: ${name} is taken\n`);
      return;
    }
    writer.write(`welcome ${name}, ${this.size} here\n`);
    // This client's own sender: drains its queue to its socket.
    const sender = createTask(async () => {
      for await (const line of queue) {
        writer.write(line + "\n");
        await writer.drain();
      }
    });
    try {
      for await (const line of reader) {
        const text = decoder.decode(line).trimEnd();
        if (text !== "") this.broadcast(`${name}: ${text}`, name);
      }
    } finally {
      this.leave(name);
      await sender.catch(() => {});
    }
  }
}

/** Starts a chat server on 127.0.0.1. */
export async function startChatServer(
  port: number,
): Promise<{ server: Server; room: Room }> {
  const room = new Room();
  const server = await startServer(
    (reader, writer) => room.handle(reader, writer),
    { hostname: "127.0.0.1", port },
  );
  return { server, room };
}

/** A scripted client of the demo. */
class Client {
  readonly name: string;
  readonly #reader: StreamReader;
  readonly #writer: StreamWriter;

  private constructor(
    name: string,
    reader: StreamReader,
    writer: StreamWriter,
  ) {
    this.name = name;
    this.#reader = reader;
    this.#writer = writer;
  }

  static async connect(name: string, port: number): Promise<Client> {
    const [reader, writer] = await openConnection({
      hostname: "127.0.0.1",
      port,
    });
    const client = new Client(name, reader, writer);
    await client.expect(); // "name?"
    writer.write(`${name}\n`);
    await client.expect(); // "welcome ..."
    return client;
  }

  say(text: string): void {
    this.#writer.write(`${text}\n`);
  }

  /** Reads the next line and prints it as this client saw it. */
  async expect(): Promise<string> {
    const line = decoder.decode(await this.#reader.readLine()).trimEnd();
    console.log(`[${this.name}] ${line}`);
    return line;
  }

  async leave(): Promise<void> {
    this.#writer.close();
    await this.#writer.waitClosed();
  }
}

async function demo(): Promise<void> {
  const { server, room } = await startChatServer(0);
  console.log(`chat room on 127.0.0.1:${server.port}`);
  const alice = await Client.connect("alice", server.port);
  const bob = await Client.connect("bob", server.port);
  await alice.expect(); // * bob joined
  const carol = await Client.connect("carol", server.port);
  await alice.expect(); // * carol joined
  await bob.expect();
  alice.say("hi all");
  await bob.expect();
  await carol.expect();
  bob.say("hello alice");
  await alice.expect();
  await carol.expect();
  carol.say("bye!");
  await alice.expect();
  await bob.expect();
  await carol.leave();
  await alice.expect(); // * carol left
  await bob.expect();
  await bob.leave();
  await alice.expect(); // * bob left
  await alice.leave();
  await room.empty.wait();
  server.close();
  await server.waitClosed();
  console.log("demo done");
}

async function serve(port: number): Promise<void> {
  const { server, room } = await startChatServer(port);
  console.log(`chat room on 127.0.0.1:${server.port}; connect with nc`);
  await room.empty.wait();
  server.close();
  await server.waitClosed();
  console.log("room empty, bye");
}

if (import.meta.main) {
  await run(async () => {
    if (Deno.args.includes("--serve")) {
      const i = Deno.args.indexOf("--port");
      await serve(i === -1 ? 7777 : Number(Deno.args[i + 1]));
    } else {
      await demo();
    }
  });
}
