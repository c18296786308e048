// What this proves: an independent, open-source WhatsApp Cloud API client
// published on npm (@kapso/whatsapp-cloud-api, pinned in package.json) works
// against wabaguard unchanged, with only its base URL and access token
// changed. Every call below goes through the library's public API only: no
// raw fetches, no hand-built payloads, no patched internals. If wabaguard
// drifts from Meta's Graph dialect (paths, version prefix, Bearer auth, JSON
// shapes, error envelope, webhook signatures), one of these steps fails.
//
// Steps, one JSON line each on stdout: {"step":…,"ok":true|false,"detail":…}
//   send_text         messages.sendText           → a wamid in messages[0].id
//   send_template     messages.sendTemplate       hello_world / en_US
//   mark_read         messages.markRead           the id send_text returned → success
//   list_templates    templates.list              the WABA's templates (data[])
//   verify_signature  verifySignature (./server)  the body and signature given must verify
//   reject_tampered   verifySignature (./server)  the same signature over a changed body must not
//
// Environment (all required):
//   WABAGUARD_BASE_URL          e.g. http://127.0.0.1:8080 (the library adds /v23.0/)
//   WABAGUARD_TOKEN             Bearer token the gateway issued
//   WABAGUARD_PHONE_NUMBER_ID   sender
//   WABAGUARD_WABA_ID           business account whose templates are listed
//   WABAGUARD_TO                recipient, e.g. +5511987654321
//   WABAGUARD_WEBHOOK_SECRET    app secret the webhook body was signed with
//   WABAGUARD_SIGNED_BODY_FILE  file holding the exact webhook body bytes
//   WABAGUARD_SIGNATURE         its X-Hub-Signature-256 value ("sha256=<hex>")
// Optional: WABAGUARD_GRAPH_VERSION (default: the library's own, v23.0),
//           WABAGUARD_STEP_TIMEOUT_MS (default 10000).
//
// Receiving, when WABAGUARD_RECEIVER_PORT is set: the script is then the
// tenant's webhook receiver too. It listens on 127.0.0.1:<port> (the
// tenant's webhook URL in the gateway) before anything else, checks every
// delivery with the library's verifySignature and parses it with its
// normalizeWebhook, and waits for the inbound medium the caller had a
// simulated person send:
//   receive_webhook       verifySignature (./server)  a real delivery of the gateway verifies
//   parse_webhook         normalizeWebhook (./server) the medium is there: number, sender, id, type
//   download_media        media.download              the bytes through the gateway match
//   download_webhook_url  client.fetch                the url in the webhook serves the same bytes
//   download_needs_key    media.download, no auth     without the API key the gateway serves nothing
// with WABAGUARD_MEDIA_ID (the medium's id), WABAGUARD_MEDIA_SHA256 (hex
// digest of its bytes), WABAGUARD_MEDIA_FROM (the sender's wa_id) and
// optionally WABAGUARD_RECEIVE_TIMEOUT_MS (default 30000).
//
// Exit status: 0 when every step is ok, 1 otherwise, 2 on bad configuration.

import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { createServer } from "node:http";
import { WhatsAppClient } from "@kapso/whatsapp-cloud-api";
import { buildTemplateSendPayload } from "@kapso/whatsapp-cloud-api";
import { normalizeWebhook, verifySignature } from "@kapso/whatsapp-cloud-api/server";

const required = [
  "WABAGUARD_BASE_URL",
  "WABAGUARD_TOKEN",
  "WABAGUARD_PHONE_NUMBER_ID",
  "WABAGUARD_WABA_ID",
  "WABAGUARD_TO",
  "WABAGUARD_WEBHOOK_SECRET",
  "WABAGUARD_SIGNED_BODY_FILE",
  "WABAGUARD_SIGNATURE",
];

let failed = false;

function report(step, ok, detail) {
  if (!ok) failed = true;
  process.stdout.write(JSON.stringify({ step, ok, detail }) + "\n");
}

function describe(err) {
  if (err && typeof err === "object") {
    const parts = [err.name, err.message];
    if (err.httpStatus !== undefined) parts.push(`http ${err.httpStatus}`);
    if (err.code !== undefined) parts.push(`code ${err.code}`);
    return parts.filter((p) => p !== undefined && p !== "").join(": ");
  }
  return String(err);
}

async function step(name, fn) {
  try {
    const { ok, detail } = await fn();
    report(name, ok, detail);
    return detail;
  } catch (err) {
    report(name, false, describe(err));
    return undefined;
  }
}

const missing = required.filter((k) => !process.env[k]);
if (missing.length > 0) {
  report("config", false, `missing environment: ${missing.join(", ")}`);
  process.exit(2);
}

const env = process.env;
const timeoutMs = Number(env.WABAGUARD_STEP_TIMEOUT_MS || 10000);
const phoneNumberId = env.WABAGUARD_PHONE_NUMBER_ID;
const to = env.WABAGUARD_TO;

// The library accepts a fetch implementation as configuration; this one only
// bounds every request in time so a hung server cannot hang the run.
const boundedFetch = (url, init = {}) =>
  fetch(url, { ...init, signal: AbortSignal.timeout(timeoutMs) });

const client = new WhatsAppClient({
  baseUrl: env.WABAGUARD_BASE_URL,
  accessToken: env.WABAGUARD_TOKEN,
  ...(env.WABAGUARD_GRAPH_VERSION ? { graphVersion: env.WABAGUARD_GRAPH_VERSION } : {}),
  fetch: boundedFetch,
});

const wamid = (res) => res?.messages?.[0]?.id;

// The receiver starts first, so that the gateway's deliveries (retried
// until they land) find it while the sending steps run.
const receiver = env.WABAGUARD_RECEIVER_PORT ? await startReceiver(Number(env.WABAGUARD_RECEIVER_PORT)) : undefined;

async function startReceiver(port) {
  const state = { verified: [], rejected: 0, waiters: [] };
  const server = createServer((req, res) => {
    const parts = [];
    req.on("data", (c) => parts.push(c));
    req.on("end", () => {
      const rawBody = Buffer.concat(parts);
      const signatureHeader = req.headers["x-hub-signature-256"];
      if (req.method !== "POST" || !verifySignature({ appSecret: env.WABAGUARD_WEBHOOK_SECRET, rawBody, signatureHeader })) {
        state.rejected++;
        res.writeHead(401).end();
        return;
      }
      let parsed;
      try {
        parsed = normalizeWebhook(JSON.parse(rawBody.toString("utf8")));
      } catch (err) {
        state.rejected++;
        res.writeHead(400).end();
        return;
      }
      state.verified.push({ bytes: rawBody.length, parsed });
      res.writeHead(200).end();
      for (const w of state.waiters.splice(0)) w();
    });
  });
  await new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, "127.0.0.1", resolve);
  });
  // Wait for a delivery matching pred, bounded in time.
  state.waitFor = (pred, ms) =>
    new Promise((resolve) => {
      const timer = setTimeout(() => resolve(undefined), ms);
      const check = () => {
        const hit = state.verified.find((d) => pred(d.parsed));
        if (hit) {
          clearTimeout(timer);
          resolve(hit);
        } else {
          state.waiters.push(check);
        }
      };
      check();
    });
  state.close = () => new Promise((resolve) => server.close(resolve));
  return state;
}

const textId = await step("send_text", async () => {
  const res = await client.messages.sendText({
    phoneNumberId,
    to,
    body: "wabaguard e2e: hello from an unmodified npm client",
  });
  const id = wamid(res);
  return { ok: typeof id === "string" && id.startsWith("wamid."), detail: id ?? res };
});

await step("send_template", async () => {
  const res = await client.messages.sendTemplate({
    phoneNumberId,
    to,
    template: buildTemplateSendPayload({ name: "hello_world", language: "en_US" }),
  });
  const id = wamid(res);
  return { ok: typeof id === "string" && id.startsWith("wamid."), detail: id ?? res };
});

await step("mark_read", async () => {
  if (typeof textId !== "string") {
    return { ok: false, detail: "no message id from send_text to mark as read" };
  }
  const res = await client.messages.markRead({ phoneNumberId, messageId: textId });
  return { ok: res?.success === true, detail: res };
});

await step("list_templates", async () => {
  const res = await client.templates.list({ businessAccountId: env.WABAGUARD_WABA_ID });
  const data = res?.data;
  const ok = Array.isArray(data);
  return { ok, detail: ok ? data.map((t) => `${t.name}/${t.language}/${t.status}`) : res };
});

const body = readFileSync(env.WABAGUARD_SIGNED_BODY_FILE);
const appSecret = env.WABAGUARD_WEBHOOK_SECRET;
const signatureHeader = env.WABAGUARD_SIGNATURE;

await step("verify_signature", async () => {
  const ok = verifySignature({ appSecret, rawBody: body, signatureHeader });
  return { ok, detail: ok ? `valid over ${body.length} bytes` : "signature rejected" };
});

await step("reject_tampered", async () => {
  const tampered = Buffer.concat([body, Buffer.from(" ")]);
  const accepted = verifySignature({ appSecret, rawBody: tampered, signatureHeader });
  return { ok: !accepted, detail: accepted ? "tampered body accepted" : "tampered body rejected" };
});

if (receiver) {
  const mediaId = env.WABAGUARD_MEDIA_ID;
  const wantDigest = env.WABAGUARD_MEDIA_SHA256;
  const receiveMs = Number(env.WABAGUARD_RECEIVE_TIMEOUT_MS || 30000);
  const digest = (buf) => createHash("sha256").update(Buffer.from(buf)).digest("hex");
  const mediaOf = (m) => m?.[m?.type];
  const isOurs = (parsed) => parsed.messages.some((m) => mediaOf(m)?.id === mediaId);

  const delivery = await step("receive_webhook", async () => {
    const d = await receiver.waitFor(isOurs, receiveMs);
    if (!d) {
      return { ok: false, detail: `no verified delivery with media ${mediaId} within ${receiveMs} ms (${receiver.verified.length} verified, ${receiver.rejected} rejected)` };
    }
    return { ok: receiver.rejected === 0, detail: { verified: receiver.verified.length, rejected: receiver.rejected, bytes: d.bytes } };
  });

  const message = await step("parse_webhook", async () => {
    if (!delivery) return { ok: false, detail: "nothing received to parse" };
    const d = receiver.verified.find((x) => isOurs(x.parsed));
    const m = d.parsed.messages.find((x) => mediaOf(x)?.id === mediaId);
    const media = mediaOf(m);
    const ok =
      d.parsed.object === "whatsapp_business_account" &&
      d.parsed.phoneNumberId === phoneNumberId &&
      m.from === env.WABAGUARD_MEDIA_FROM &&
      typeof m.id === "string" && m.id.startsWith("wamid.") &&
      typeof media.mimeType === "string" && typeof media.sha256 === "string" &&
      typeof media.url === "string" && media.url.startsWith(env.WABAGUARD_BASE_URL);
    return { ok, detail: { type: m.type, from: m.from, id: m.id, media } };
  });

  await step("download_media", async () => {
    // As against Meta, whose media URLs also need the token, the library
    // is told to send it.
    const buf = await client.media.download({ mediaId, phoneNumberId, auth: "always" });
    const got = digest(buf);
    return { ok: got === wantDigest, detail: `${buf.byteLength} bytes, sha256 ${got}` };
  });

  await step("download_webhook_url", async () => {
    const url = message?.media?.url;
    if (typeof url !== "string") return { ok: false, detail: "no url in the webhook" };
    const res = await client.fetch(url);
    const buf = await res.arrayBuffer();
    const got = digest(buf);
    return { ok: res.status === 200 && got === wantDigest, detail: `HTTP ${res.status}, ${buf.byteLength} bytes, sha256 ${got}` };
  });

  await step("download_needs_key", async () => {
    const res = await client.media.download({ mediaId, phoneNumberId, as: "response" });
    const body = await res.text();
    return { ok: res.status === 401, detail: `HTTP ${res.status} ${body.slice(0, 120)}` };
  });

  await receiver.close();
}

process.exit(failed ? 1 : 0);
