/**
 * A small DNS wire-format codec (RFC 1035): header, question, resource
 * records, name compression on parse. Enough for a forwarder and for fakes.
 */

export const QR = 0x8000;
export const AA = 0x0400;
export const TC = 0x0200;
export const RD = 0x0100;
export const RA = 0x0080;

export const RCODE = {
  NOERROR: 0,
  FORMERR: 1,
  SERVFAIL: 2,
  NXDOMAIN: 3,
  NOTIMP: 4,
  REFUSED: 5,
} as const;

export const TYPE = {
  A: 1,
  NS: 2,
  CNAME: 5,
  SOA: 6,
  TXT: 16,
  AAAA: 28,
} as const;
export const CLASS_IN = 1;

export class DnsFormatError extends Error {
  override name = "DnsFormatError";
}

export interface Header {
  id: number;
  flags: number;
  qdcount: number;
  ancount: number;
  nscount: number;
  arcount: number;
}

export interface Question {
  name: string; // lower-case, no trailing dot ("" for the root)
  type: number;
  class: number;
}

export interface ResourceRecord {
  name: string;
  type: number;
  class: number;
  ttl: number;
  data: Uint8Array;
  /** Offset of the 4-byte TTL field in the message. */
  ttlOffset: number;
}

export interface Message {
  header: Header;
  questions: Question[];
  answers: ResourceRecord[];
  authority: ResourceRecord[];
  additional: ResourceRecord[];
}

export function rcodeOf(flags: number): number {
  return flags & 0xf;
}

export function parseHeader(buf: Uint8Array): Header {
  if (buf.length < 12) {
    throw new DnsFormatError(`short header: ${buf.length} bytes`);
  }
  const v = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  return {
    id: v.getUint16(0),
    flags: v.getUint16(2),
    qdcount: v.getUint16(4),
    ancount: v.getUint16(6),
    nscount: v.getUint16(8),
    arcount: v.getUint16(10),
  };
}

function readName(buf: Uint8Array, start: number): [string, number] {
  const labels: string[] = [];
  let pos = start;
  let end = -1; // where the name ends in the original position
  let jumps = 0;
  let total = 0;
  for (;;) {
    if (pos >= buf.length) throw new DnsFormatError("name runs past the end");
    const len = buf[pos]!; // pos < buf.length, checked above
    if ((len & 0xc0) === 0xc0) {
      if (pos + 1 >= buf.length) throw new DnsFormatError("truncated pointer");
      if (++jumps > 16) throw new DnsFormatError("compression loop");
      const target = ((len & 0x3f) << 8) | buf[pos + 1]!;
      if (end < 0) end = pos + 2;
      if (target >= pos) throw new DnsFormatError("forward pointer");
      pos = target;
      continue;
    }
    if ((len & 0xc0) !== 0) throw new DnsFormatError("bad label type");
    if (len === 0) {
      if (end < 0) end = pos + 1;
      break;
    }
    if (pos + 1 + len > buf.length) {
      throw new DnsFormatError("label runs past the end");
    }
    total += len + 1;
    if (total > 255) throw new DnsFormatError("name too long");
    labels.push(
      String.fromCharCode(...buf.subarray(pos + 1, pos + 1 + len))
        .toLowerCase(),
    );
    pos += 1 + len;
  }
  return [labels.join("."), end];
}

function readRR(buf: Uint8Array, pos: number): [ResourceRecord, number] {
  const [name, p] = readName(buf, pos);
  if (p + 10 > buf.length) throw new DnsFormatError("truncated record");
  const v = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const type = v.getUint16(p);
  const klass = v.getUint16(p + 2);
  const ttl = v.getUint32(p + 4);
  const rdlen = v.getUint16(p + 8);
  if (p + 10 + rdlen > buf.length) throw new DnsFormatError("truncated rdata");
  return [{
    name,
    type,
    class: klass,
    ttl,
    data: buf.subarray(p + 10, p + 10 + rdlen),
    ttlOffset: p + 4,
  }, p + 10 + rdlen];
}

export function parseMessage(buf: Uint8Array): Message {
  const header = parseHeader(buf);
  let pos = 12;
  const questions: Question[] = [];
  for (let i = 0; i < header.qdcount; i++) {
    const [name, p] = readName(buf, pos);
    if (p + 4 > buf.length) throw new DnsFormatError("truncated question");
    // In range: the four bytes at p were checked just above.
    questions.push({
      name,
      type: (buf[p]! << 8) | buf[p + 1]!,
      class: (buf[p + 2]! << 8) | buf[p + 3]!,
    });
    pos = p + 4;
  }
  const section = (n: number) => {
    const out: ResourceRecord[] = [];
    for (let i = 0; i < n; i++) {
      const [rr, p] = readRR(buf, pos);
      out.push(rr);
      pos = p;
    }
    return out;
  };
  const answers = section(header.ancount);
  const authority = section(header.nscount);
  const additional = section(header.arcount);
  return { header, questions, answers, authority, additional };
}

function encodeName(name: string): number[] {
  const out: number[] = [];
  if (name !== "") {
    for (const label of name.split(".")) {
      if (label.length === 0 || label.length > 63) {
        throw new DnsFormatError(`bad label in ${name}`);
      }
      out.push(label.length);
      for (let i = 0; i < label.length; i++) {
        out.push(label.charCodeAt(i) & 0xff);
      }
    }
  }
  out.push(0);
  return out;
}

const u16 = (n: number) => [(n >> 8) & 0xff, n & 0xff];
const u32 = (
  n: number,
) => [(n >>> 24) & 0xff, (n >> 16) & 0xff, (n >> 8) & 0xff, n & 0xff];

export interface RecordSpec {
  name: string;
  type: number;
  ttl: number;
  data: Uint8Array | number[];
}

export interface BuildOptions {
  id: number;
  flags: number;
  questions?: Question[];
  answers?: RecordSpec[];
  authority?: RecordSpec[];
}

export function buildMessage(o: BuildOptions): Uint8Array {
  const qs = o.questions ?? [];
  const an = o.answers ?? [];
  const ns = o.authority ?? [];
  const out: number[] = [
    ...u16(o.id),
    ...u16(o.flags),
    ...u16(qs.length),
    ...u16(an.length),
    ...u16(ns.length),
    ...u16(0),
  ];
  for (const q of qs) {
    out.push(...encodeName(q.name), ...u16(q.type), ...u16(q.class));
  }
  for (const rr of [...an, ...ns]) {
    out.push(
      ...encodeName(rr.name),
      ...u16(rr.type),
      ...u16(CLASS_IN),
      ...u32(rr.ttl),
    );
    out.push(...u16(rr.data.length), ...rr.data);
  }
  return new Uint8Array(out);
}

export function buildQuery(id: number, q: Question, rd = true): Uint8Array {
  return buildMessage({ id, flags: rd ? RD : 0, questions: [q] });
}

/** A reply with only a header and the question: SERVFAIL, FORMERR, REFUSED. */
export function buildError(
  id: number,
  rcode: number,
  q?: Question,
  rd = true,
): Uint8Array {
  return buildMessage({
    id,
    flags: QR | RA | (rd ? RD : 0) | rcode,
    questions: q ? [q] : [],
  });
}

export function soaData(minimum: number): number[] {
  return [
    ...encodeName("ns.example"),
    ...encodeName("hostmaster.example"),
    ...u32(1),
    ...u32(3600),
    ...u32(600),
    ...u32(86400),
    ...u32(minimum),
  ];
}

/** SOA MINIMUM of an rdata whose names are not compressed (what fakes build). */
export function soaMinimum(msg: Uint8Array, rr: ResourceRecord): number {
  // Names inside the SOA may be compressed: walk them over the whole message.
  const start = rr.data.byteOffset - msg.byteOffset;
  const [, p1] = readName(msg, start);
  const [, p2] = readName(msg, p1);
  if (p2 + 20 > start + rr.data.length) throw new DnsFormatError("short SOA");
  return new DataView(msg.buffer, msg.byteOffset, msg.byteLength).getUint32(
    p2 + 16,
  );
}

export function setId(msg: Uint8Array, id: number): Uint8Array {
  const copy = msg.slice();
  copy[0] = (id >> 8) & 0xff;
  copy[1] = id & 0xff;
  return copy;
}

export function ipv4(a: string): number[] {
  return a.split(".").map(Number);
}

export function sameQuestion(a: Question, b: Question): boolean {
  return a.name === b.name && a.type === b.type && a.class === b.class;
}

export function questionKey(q: Question): string {
  return `${q.name}|${q.type}|${q.class}`;
}
