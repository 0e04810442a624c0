#!/usr/bin/env node
// Example adapter for `allinpay-conformance run --adapter` (docs/adapter.md).
//
// A small, complete Node.js (v20, `crypto` only, no npm packages) implementation of the
// Allinpay mobile-payment merchant protocol's signatures, written from the spec (v2.7):
// MD5 signing (§5.1, §5.2), verification (§5.3) of name=value messages and of the text
// answers (§3.4, §3.8, §4.2, §4.4) with MD5 or the gateway certificate, and the §5.4 ext1
// digest. `parse` and `check` are answered `unsupported` (skipped by the runner).
//
// It resists the attack battery (vectors/attack_*.json, docs/adapter.md): a blank key is
// refused, the merchant's `configuredSignType` is enforced (a message claiming another
// signType is invalid), payData naming a member twice is refused (JSON.parse keeps the
// last value silently), and signatures are compared with crypto.timingSafeEqual.
//
// Texts are verified in every signed-text form the evidence supports (`literal`,
// `terminated`, and `blank-line` for §3.4; the answer names the one that matched) and
// signed in the form the request's `textForm` names. Node has no GBK encoder built in
// (TextDecoder decodes GBK, nothing encodes it): a `sign` or `verify` whose charset is
// gbk or gb2312 is answered {"unsupported": true} (ERRATA E-CHARSET), never hashed in
// UTF-8.
//
// One JSON request per line on stdin, one JSON answer per line on stdout. Verify answers
// carry `computed` (the MD5 signMsg computed, or the bytes a certificate signature was
// checked over) and `signMsg` (the signature as read): the runner names the mistake that
// produced them when a case fails. `side` (merchant or gateway) is not needed here: this
// code signs and verifies every message.
//
//   node allinpay_adapter.js                           the correct implementation
//   node allinpay_adapter.js --broken lowercase-hex    digest('hex') without toUpperCase
//   node allinpay_adapter.js --broken decodeuri        form values decoded with decodeURI
//                                (leaves %2F %3A %3B %2C %3F %40 %26 %3D %2B %24 %23 escaped)
'use strict';

const crypto = require('crypto');
const readline = require('readline');

let BROKEN = null; // set by --broken

// Field order of every table. S: signed; N: not signed (cardNo, §2.1);
// X: international-card field (enters ext1, §5.4); G: signMsg itself.
const words = (s) => s.split(' ');
const INTL = words(
  'ship_to_country ship_to_state ship_to_city ship_to_street1 ship_to_street2 ' +
  'ship_to_phonenumber ship_to_postalcode ship_to_firstname ship_to_lastname ' +
  'registration_name registration_email registration_phone buyerid_period fnpay_mode ' +
  'bill_firstname bill_lastname expireddate cvv2 bill_email bill_country bill_address ' +
  'bill_city bill_state bill_zip mdd07 mdd08 mdd09 mdd10 mdd11 mdd12 mdd13 mdd14 mdd15 ' +
  'mdd16 mdd17 mdd18');

function table(signed, extra = []) {
  return new Map([...words(signed).map((n) => [n, 'S']), ['signMsg', 'G'], ...extra]);
}

const PAY_NOTIFY = table( // §2.2.3 (and §3.2)
  'merchantId version language signType payType issuerId paymentOrderId orderNo ' +
  'orderDatetime orderAmount payDatetime payAmount ext1 ext2 payResult errorCode returnDatetime');
const FLAT = new Map([
  ['pay-request', table( // §2.1
    'inputCharset receiveUrl version language signType merchantId orderNo orderAmount ' +
    'orderCurrency orderDatetime productName ext1 payType issuerId tradeNature',
    [['cardNo', 'N'], ...INTL.map((n) => [n, 'X'])])],
  ['pay-notify', PAY_NOTIFY],
  ['order-query-response', PAY_NOTIFY],
  ['order-query', table('merchantId version signType orderNo orderDatetime queryDatetime')], // §3.1
  ['batch-query', table('version merchantId beginDateTime endDateTime pageNo signType')], // §3.3
  ['refund', table( // §3.5
    'version signType merchantId orderNo refundAmount mchtRefundOrderNo orderDatetime')],
  ['refund-response', table( // §3.6
    'merchantId version signType orderNo orderAmount orderDatetime refundAmount ' +
    'refundDatetime refundResult mchtRefundOrderNo returnDatetime')],
  ['refund-query', table( // §3.7 (signMsg added, ERRATA E-3.7-SIGNMSG)
    'version signType merchantId orderNo refundAmount refundDatetime mchtRefundOrderNo')],
  ['preauth-cancel', table( // §4.1
    'merchantId version orderAmount currency orderNo orderDatetime signType')],
  ['preauth-confirm', table( // §4.3
    'version merchantId orderAmount confirmAmount currency orderNo orderDatetime signType')],
]);
const PREAUTH = words('retCode retMsg version signType merchantId orderNo orderDateTime ' +
  'orderAmount currency preAuthId transDateTime');
// Record columns of the text answers.
const TEXTS = new Map([
  ['refund-query-response', words( // §3.8
    'version signType merchantId orderNo refundAmount refundDatetime mchtRefundOrderNo ' +
    'refundResult returnDatetime')],
  ['preauth-cancel-response', PREAUTH], // §4.2
  ['preauth-confirm-response', PREAUTH], // §4.4
]);
const BATCH_RECORD = words( // §3.4 交易明细
  'merchantId paymentOrderId orderNo orderDatetime orderAmount payDatetime payAmount ext1 ' +
  'ext2 payResult');
const BATCH_SUMMARY = ['merchantId', 'count', 'pageNo', 'hasNextPage'];
// Messages the merchant signs: always MD5 with `&key=`, whatever signType says (§2.1
// signType, ERRATA E-2.1-SIGNTYPE; §3.3 fixes signType 1 for the batch query).
const MERCHANT = new Set(['pay-request', 'order-query', 'batch-query', 'refund',
  'refund-query', 'preauth-cancel', 'preauth-confirm']);
// Signed-text forms (ERRATA E-3.8-TEXT, E-3.4-TEXT): `literal` = the lines joined by CRLF,
// nothing after the last (§3.8 注释 2, what the official demo verifies); `terminated` =
// every line followed by CRLF (the §3.8 example B93C478F…); `blank-line` (§3.4 only) =
// every byte before the signature line, the blank line included.
const TEXT_FORMS = ['literal', 'terminated', 'blank-line'];
const CRLF = Buffer.from('\r\n');

class Refused extends Error {}
class Unsupported extends Error {}

const has = (o, k) => Object.prototype.hasOwnProperty.call(o, k);
const isObject = (v) => v !== null && typeof v === 'object' && !Array.isArray(v);

function md5hex(data) {
  const h = crypto.createHash('md5').update(data).digest('hex'); // lowercase hex
  return BROKEN === 'lowercase-hex' ? h : h.toUpperCase(); // §5.2: uppercase
}

// Constant-time comparison of a computed signature with the received text.
function same(expected, received) {
  const a = Buffer.from(expected, 'utf8');
  const b = Buffer.from(received, 'utf8');
  return a.length === b.length && crypto.timingSafeEqual(a, b);
}

// The merchant's MD5 key; a blank one is refused (anyone can sign with it).
function merchantKey(req) {
  const key = req.key;
  if (typeof key !== 'string') throw new Refused('MD5 needs the key');
  if (key.trim() === '') throw new Refused('the key is blank: refusing to sign or verify with it');
  return key;
}

// §2.2.3: the answer's signType is the one the merchant ordered with
// (`configuredSignType`); a message claiming another is refused, whatever credentials are
// present. Returns the reason, or null.
function configuredSignType(req, declared) {
  const cfg = req.configuredSignType;
  if (cfg === undefined || cfg === null) return null;
  if (cfg !== '0' && cfg !== '1') throw new Refused('configuredSignType is not 0 or 1');
  return declared === cfg ? null : `signType '${declared}' differs from the configured ${cfg}`;
}

// JSON.parse keeps the last of two equal member names: refuse JSON that repeats one. Runs
// after JSON.parse accepted the text, so the syntax is known to be valid.
function assertNoDuplicateNames(json) {
  const stack = []; // per open object or array: {names, expectName} / null
  for (let i = 0; i < json.length; i++) {
    const c = json[i];
    if (c === '"') {
      let j = i + 1;
      while (json[j] !== '"') j += json[j] === '\\' ? 2 : 1;
      const top = stack[stack.length - 1];
      if (top && top.expectName) {
        const name = JSON.parse(json.slice(i, j + 1));
        if (top.names.has(name)) throw new Refused(`member '${name}' given twice`);
        top.names.add(name);
        top.expectName = false;
      }
      i = j;
    } else if (c === '{') {
      stack.push({ names: new Set(), expectName: true });
    } else if (c === '[') {
      stack.push(null);
    } else if (c === '}' || c === ']') {
      stack.pop();
    } else if (c === ',' && stack[stack.length - 1]) {
      stack[stack.length - 1].expectName = true;
    }
  }
}

// A field value as text: strings, integers; a null or absent value is empty.
function textOf(v) {
  if (v === undefined || v === null) return '';
  if (typeof v === 'string') return v;
  if (typeof v === 'number' && Number.isSafeInteger(v)) return String(v);
  throw new Refused('field values must be strings or integers');
}

// §5.1: the non-empty signed fields in table order, name=value joined by '&'.
function signSource(message, values) {
  const parts = [];
  for (const [name, kind] of FLAT.get(message)) {
    if (kind !== 'S') continue;
    const v = textOf(has(values, name) ? values[name] : undefined);
    if (v !== '') parts.push(`${name}=${v}`);
  }
  return parts.join('&');
}

// §5.1 c: the sign source is encoded in the charset the message declares (inputCharset 1
// UTF-8, 2 GBK, 3 GB2312; ERRATA E-CHARSET). Node encodes UTF-8 only.
function checkCharset(charset) {
  const cs = (charset || 'utf-8').toLowerCase();
  if (cs === 'gbk' || cs === 'gb2312') throw new Unsupported(`no ${cs} encoder in Node`);
  if (cs !== 'utf-8' && cs !== 'utf8') throw new Refused(`unknown charset ${charset}`);
}

const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

// Text as bytes in the charset; a lone surrogate cannot be encoded (Buffer.from would
// substitute U+FFFD silently).
function encode(text, charset) {
  checkCharset(charset);
  if (LONE_SURROGATE.test(text)) throw new Refused('not encodable: a lone surrogate');
  return Buffer.from(text, 'utf8');
}

const UTF8 = new TextDecoder('utf-8', { fatal: true });

function decode(bytes, charset) {
  checkCharset(charset);
  try {
    return UTF8.decode(bytes);
  } catch (e) {
    throw new Refused('not UTF-8');
  }
}

// The charset the message declares: the request's, else payData's inputCharset.
function declaredCharset(req, values) {
  if (req.charset) return req.charset;
  return { 2: 'gbk', 3: 'gb2312' }[textOf(values.inputCharset)] || 'utf-8';
}

// Base64 as RFC 4648 writes it; line breaks (folded signatures) are ignored.
function strictB64(s) {
  if (typeof s !== 'string') throw new Refused('not base64');
  s = s.replace(/[\r\n]/g, '');
  if (s.length % 4 !== 0 || !/^[A-Za-z0-9+/]*={0,2}$/.test(s)) throw new Refused('not base64');
  return Buffer.from(s, 'base64');
}

function publicKey(pem) {
  try {
    if (pem.includes('BEGIN CERTIFICATE')) return new crypto.X509Certificate(pem).publicKey;
    return crypto.createPublicKey(pem);
  } catch (e) {
    throw new Refused(`not a certificate or public key: ${e.message}`);
  }
}

// §5.3 certificate mode: RSA PKCS#1 v1.5 over SHA-1, signMsg in base64.
function rsaVerify(pem, data, signMsg) {
  const key = publicKey(pem);
  if (!signMsg) return 'signMsg is empty';
  let raw;
  try {
    raw = strictB64(signMsg);
  } catch (e) {
    return 'signMsg is not base64';
  }
  try {
    const ok = crypto.verify('sha1', data,
      { key, padding: crypto.constants.RSA_PKCS1_PADDING }, raw);
    return ok ? null : 'RSA signature does not verify';
  } catch (e) {
    return `RSA signature does not verify (${e.message})`;
  }
}

// Every signed-text form of these lines (Buffers); blankLine for §3.4.
function textForms(lines, blankLine = null) {
  const forms = {
    literal: Buffer.concat(lines.flatMap((l, i) => (i ? [CRLF, l] : [l]))),
    terminated: Buffer.concat(lines.flatMap((l) => [l, CRLF])),
  };
  if (blankLine !== null) forms['blank-line'] = blankLine;
  return forms;
}

// The record lines (§3.4: summary, then records) from a sign request's fields.
function textLines(message, fields, charset) {
  const row = (r, cols) => {
    if (!isObject(r)) throw new Refused('a record is a JSON object');
    return cols.map((n) => textOf(has(r, n) ? r[n] : undefined)).join('|');
  };
  let rows;
  if (message === 'batch-query-response') {
    rows = [row(fields.summary || {}, BATCH_SUMMARY),
      ...(fields.records || []).map((r) => row(r, BATCH_RECORD))];
  } else {
    rows = (has(fields, 'records') ? fields.records : [fields]).map((r) => row(r, TEXTS.get(message)));
  }
  return rows.map((r) => encode(r, charset));
}

// An implementation that rewrites its input before signing (a constant version, trim(),
// amounts bound to integers, its own clock for the datetimes) answers { unsupported: true }
// for a case whose values it would rewrite, never the signature of other text (see the
// Python example's --int-amounts). This one signs what it is given.
function opSign(req) {
  const m = req.message;
  const charset = req.charset === undefined ? 'utf-8' : req.charset;
  checkCharset(charset);
  const key = merchantKey(req);
  const fields = req.fields;
  if (!isObject(fields)) throw new Refused('fields is a JSON object');
  if (FLAT.has(m)) {
    const unknown = Object.keys(fields).filter((n) => !FLAT.get(m).has(n));
    if (unknown.length) throw new Refused(`unknown fields ${unknown.join(', ')}`);
    const src = signSource(m, fields);
    return { signMsg: md5hex(encode(`${src}&key=${key}`, charset)), signSource: src };
  }
  if (TEXTS.has(m) || m === 'batch-query-response') {
    const batch = m === 'batch-query-response';
    const lines = textLines(m, fields, charset);
    const forms = textForms(lines, batch ? Buffer.concat([textForms(lines).terminated, CRLF]) : null);
    const form = req.textForm || (batch ? 'blank-line' : 'literal');
    if (!has(forms, form)) throw new Refused(`textForm ${form} does not apply to ${m}`);
    const text = forms[form]; // §3.8: MD5(text|key)
    return { signMsg: md5hex(Buffer.concat([text, Buffer.from('|'), encode(key, charset)])),
      signSource: decode(text, charset) };
  }
  return { unsupported: true };
}

// A URL-encoded form body's name or value: `+` and %20 are spaces, escapes in either case;
// runs of %XX decode as UTF-8.
function formDecode(s, charset) {
  s = s.replace(/\+/g, ' ');
  if (BROKEN === 'decodeuri') {
    try {
      return decodeURI(s); // the bug: reserved characters stay escaped
    } catch (e) {
      throw new Refused(`not URL-encoded UTF-8: ${e.message}`);
    }
  }
  return s.replace(/(?:%[0-9A-Fa-f]{2})+/g, (run) => decode(Buffer.from(run.replace(/%/g, ''), 'hex'), charset));
}

// A form body; an empty pair (a trailing '&') is ignored.
function parseForm(wire, charset) {
  const values = Object.create(null);
  for (const pair of wire.split('&')) {
    if (pair === '') continue;
    const eq = pair.indexOf('=');
    if (eq < 0) throw new Refused("a pair without '='");
    const name = formDecode(pair.slice(0, eq), charset);
    // One value verified, the other read by the shop: refuse.
    if (name in values) throw new Refused(`${name} named twice`);
    values[name] = formDecode(pair.slice(eq + 1), charset);
  }
  return values;
}

// Record lines, then the signature line(s): [records, record lines, signature]. The
// signature is taken as it stands (spaces are part of it, and make it wrong).
function splitText(text, columns) {
  const records = [];
  const lines = [];
  let sig = '';
  let state = 'records';
  // §3.8: lines end in CRLF; LF alone is not what was signed.
  if (/(^|[^\r])\n/.test(text)) throw new Refused('a line ends in LF without CR');
  for (const raw of text.split('\n')) {
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    const blank = line === '';
    if (state === 'records') {
      // The signed text starts with the first record.
      if (blank && records.length === 0) throw new Refused('a blank line before the first record');
      if (blank) continue;
      if (line.includes('|')) {
        const cols = line.split('|');
        if (cols.length !== columns) throw new Refused(`${cols.length} columns, expected ${columns}`);
        records.push(cols);
        lines.push(line);
        continue;
      }
      if (!records.length) throw new Refused('no record line');
      sig = line;
      state = 'signature';
    } else if (state === 'signature') {
      if (blank) state = 'done';
      else if (line.includes('|')) throw new Refused('data after the signature');
      else sig += line; // a folded base64 signature
    } else if (!blank) {
      throw new Refused('data after the signature');
    }
  }
  if (!records.length || !sig) throw new Refused('no signature line');
  return [records, lines, sig];
}

// Tries every accepted form: [reason or null, the form that matched, what was computed for
// the last form tried].
function verifyText(signType, forms, sig, req, charset) {
  let computed = null;
  if (signType === '0') { // §3.8: MD5(text|key)
    if (!has(req, 'key')) throw new Refused('signType 0 needs the key');
    const key = encode(merchantKey(req), charset);
    for (const name of TEXT_FORMS) {
      if (has(forms, name)) {
        computed = md5hex(Buffer.concat([forms[name], Buffer.from('|'), key]));
        if (same(computed, sig)) return [null, name, computed];
      }
    }
    return ['MD5 does not match', null, computed];
  }
  if (signType === '1') { // §3.8 a-b: RSA over the uppercase hex MD5 of the text
    if (typeof req.certificate !== 'string') throw new Refused('signType 1 needs the certificate');
    let why = 'no signed-text form';
    for (const name of TEXT_FORMS) {
      if (has(forms, name)) {
        computed = md5hex(forms[name]);
        why = rsaVerify(req.certificate, Buffer.from(computed), sig);
        if (why === null) return [null, name, computed];
      }
    }
    return [why, null, computed];
  }
  return ['signType is not 0 or 1', null, null];
}

// [reason or null, what was read and computed: signMsg, computed].
function verifyFlat(req) {
  const m = req.message;
  if (typeof req.wire !== 'string') throw new Refused('wire is a string');
  let values;
  // payData travels as JSON (§2.1), every other message as a form body.
  if (m === 'pay-request') {
    values = JSON.parse(req.wire);
    if (!isObject(values)) throw new Refused('payData is a JSON object');
    assertNoDuplicateNames(req.wire);
  } else {
    values = parseForm(req.wire, req.charset);
  }
  const sig = textOf(values.signMsg);
  if (sig === '') return ['signMsg missing', {}];
  const seen = { signMsg: sig };
  const src = signSource(m, values);
  const type = textOf(values.signType);
  const merchant = MERCHANT.has(m);
  if (!merchant) { // the merchant signs its own messages with MD5 always
    const why = configuredSignType(req, type);
    if (why !== null) return [why, seen];
  }
  if (merchant || type === '0') { // §5.1/§5.2
    const key = merchantKey(req);
    seen.computed = md5hex(encode(`${src}&key=${key}`, declaredCharset(req, values)));
    return [same(seen.computed, sig) ? null : 'MD5 does not match', seen];
  }
  if (type === '1') { // §5.3: RSA over the sign source
    if (typeof req.certificate !== 'string') throw new Refused('signType 1 needs the certificate');
    seen.computed = src;
    return [rsaVerify(req.certificate, encode(src, 'utf-8'), sig), seen];
  }
  return ['signType is not 0 or 1', seen];
}

// §3.4: base64 of summary, records, a blank line, then the signature.
function verifyBatch(req) {
  if (typeof req.wire !== 'string') throw new Refused('wire is a string');
  const bytes = strictB64(req.wire.replace(/[\r\n \t]/g, ''));
  // latin1 maps each byte to one character: split as text, hash the same bytes.
  const text = bytes.toString('latin1');
  if (/(^|[^\r])\n/.test(text)) throw new Refused('a line ends in LF without CR'); // §3.4
  const lines = text.split('\n');
  const first = lines[0].endsWith('\r') ? lines[0].slice(0, -1) : lines[0];
  const summary = first.split('|');
  if (summary.length !== 4 || !/^[0-9]+$/.test(summary[1]) || !['Y', 'N'].includes(summary[3])) {
    throw new Refused('bad summary line');
  }
  const records = [];
  let sig = '';
  let offset = lines[0].length + 1;
  let signed = null;
  let blank = false;
  for (const raw of lines.slice(1)) {
    const start = offset;
    offset += raw.length + 1;
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    const bar = line.includes('|');
    if (signed === null) {
      if (line === '') {
        blank = true;
      } else if (bar && !blank) {
        if (line.split('|').length !== BATCH_RECORD.length) throw new Refused('bad record line');
        records.push(line);
      } else if (bar || !blank) {
        throw new Refused('the signature must follow a blank line');
      } else {
        signed = text.slice(0, start);
        sig = line;
      }
    } else if (bar) {
      throw new Refused('data after the signature');
    } else {
      sig += line;
    }
  }
  if (signed === null || !sig) throw new Refused('no signature line');
  if (BigInt(summary[1]) !== BigInt(records.length)) {
    throw new Refused('record count differs from the summary');
  }
  const forms = textForms([first, ...records].map((l) => Buffer.from(l, 'latin1')),
    Buffer.from(signed, 'latin1'));
  if (/[^\x00-\x7f]/.test(sig)) return ['signature is not ASCII', null, null];
  // §3.3: signType 固定值 1 (certificate); the MD5 form when a key is given (E-3.4-MD5).
  return verifyText(has(req, 'key') ? '0' : '1', forms, sig, req, req.charset);
}

function opVerify(req) {
  const m = req.message;
  let form = null;
  let why;
  let computed = null;
  let seen = {};
  if (has(req, 'charset')) checkCharset(req.charset); // gbk, gb2312: unsupported
  if (has(req, 'key')) merchantKey(req); // a blank key is refused before anything else
  if (FLAT.has(m)) {
    [why, seen] = verifyFlat(req);
  } else if (TEXTS.has(m)) {
    const cols = TEXTS.get(m);
    if (typeof req.wire !== 'string') throw new Refused('wire is a string');
    const [records, lines, sig] = splitText(req.wire, cols.length);
    if (m !== 'refund-query-response' && records.length !== 1) {
      throw new Refused('a pre-auth result holds exactly one record (§4.2/§4.4)');
    }
    const forms = textForms(lines.map((l) => encode(l, req.charset)));
    const col = cols.indexOf('signType');
    const signType = records[0][col];
    if (records.some((r) => r[col] !== signType)) throw new Refused('the records disagree on signType');
    why = configuredSignType(req, signType);
    if (why !== null) return { valid: false, reason: why };
    [why, form, computed] = verifyText(signType, forms, sig, req, req.charset);
    seen = { computed, signMsg: sig };
  } else if (m === 'batch-query-response') {
    [why, form, computed] = verifyBatch(req);
    seen = { computed };
  } else {
    return { unsupported: true };
  }
  for (const k of Object.keys(seen)) if (seen[k] === null) delete seen[k];
  if (why !== null) return { valid: false, reason: why, ...seen };
  return form === null ? { valid: true, ...seen } : { valid: true, textForm: form, ...seen };
}

// §5.4: the values concatenated in table order, empty ones contributing nothing.
function opExt1(req) {
  const fields = req.fields;
  if (!isObject(fields)) throw new Refused('fields is a JSON object');
  const src = INTL.map((n) => textOf(has(fields, n) ? fields[n] : undefined)).join('');
  return { digest: md5hex(encode(src, 'utf-8')), ext1Source: src };
}

function answer(line) {
  try {
    const req = JSON.parse(line);
    if (!isObject(req)) throw new Refused('a request is a JSON object');
    switch (req.op) {
      case 'sign': return opSign(req);
      case 'verify': return opVerify(req);
      case 'ext1': return opExt1(req);
      case 'decode-signature': return { bytes: strictB64(req.signMsg).length };
      default: return { unsupported: true }; // parse, check
    }
  } catch (e) {
    if (e instanceof Unsupported) return { unsupported: true };
    return { error: `${e.constructor.name}: ${e.message}` };
  }
}

function main() {
  const args = process.argv.slice(2);
  if (args.length) {
    if (args.length !== 2 || args[0] !== '--broken' || !['lowercase-hex', 'decodeuri'].includes(args[1])) {
      process.stderr.write('usage: allinpay_adapter.js [--broken lowercase-hex|decodeuri]\n');
      process.exit(2);
    }
    BROKEN = args[1];
  }
  const rl = readline.createInterface({ input: process.stdin, crlfDelay: Infinity });
  rl.on('line', (line) => {
    if (line.trim() === '') return;
    // Pipes are written synchronously on Linux: each answer leaves before the next line.
    process.stdout.write(`${JSON.stringify(answer(line))}\n`);
  });
}

main();
