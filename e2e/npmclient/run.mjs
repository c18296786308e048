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
// Exit status: 0 when every step is ok, 1 otherwise, 2 on bad configuration.

import { readFileSync } from "node:fs";
import { WhatsAppClient } from "@kapso/whatsapp-cloud-api";
import { buildTemplateSendPayload } from "@kapso/whatsapp-cloud-api";
import { verifySignature } from "@kapso/whatsapp-cloud-api/server";

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

process.exit(failed ? 1 : 0);
