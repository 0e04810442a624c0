<?php
// Example adapter for `allinpay-conformance run --adapter` (docs/adapter.md).
//
// A small, complete PHP implementation of the Allinpay mobile-payment merchant protocol's
// signatures, written from the spec (v2.7): MD5 signing (§5.1, §5.2), verification (§5.3)
// of name=value messages and of the text answers (§3.4, §3.8, §4.2, §4.4) with MD5 or the
// gateway certificate (openssl), and the §5.4 ext1 digest. `parse` and `check` are
// answered `unsupported` (skipped by the runner).
//
// It resists the attack battery (vectors/attack_*.json, docs/adapter.md): a blank key is
// refused, the merchant's `configuredSignType` is enforced (a message claiming another
// signType is invalid), payData naming a member twice is refused (json_decode would keep
// the last value silently), and signatures are compared with hash_equals.
//
// Texts are verified in every signed-text form the evidence supports (`literal`,
// `terminated`, and `blank-line` for §3.4; the answer names the one that matched) and
// signed in the form the request's `textForm` names. MD5 hashes the bytes of the charset
// the message declares (`charset`: utf-8, gbk, gb2312 via iconv; ERRATA E-CHARSET).
//
// One JSON request per line on stdin, one JSON answer per line on stdout. Verify answers
// carry `computed` (the MD5 signMsg computed, or the bytes a certificate signature was
// checked over) and `signMsg` (the signature as read): the runner names the mistake that
// produced them when a case fails. `side` (merchant or gateway) is not needed here: this
// code signs and verifies every message.
//
//   php allinpay_adapter.php                          the correct implementation
//   php allinpay_adapter.php --broken lowercase-hex   md5() as PHP returns it (lowercase)
//   php allinpay_adapter.php --broken empty-fields    empty fields signed as name=

$BROKEN = null;

// Field order of every table. S: signed; N: not signed (cardNo, §2.1);
// X: international-card field (enters ext1, §5.4); G: signMsg itself.
$INTL = explode(' ', 'ship_to_country ship_to_state ship_to_city ship_to_street1 ship_to_street2 '
    . 'ship_to_phonenumber ship_to_postalcode ship_to_firstname ship_to_lastname '
    . 'registration_name registration_email registration_phone buyerid_period fnpay_mode '
    . 'bill_firstname bill_lastname expireddate cvv2 bill_email bill_country bill_address '
    . 'bill_city bill_state bill_zip mdd07 mdd08 mdd09 mdd10 mdd11 mdd12 mdd13 mdd14 mdd15 '
    . 'mdd16 mdd17 mdd18');

function table(string $signed, array $extra = []): array
{
    $t = [];
    foreach (explode(' ', $signed) as $n) {
        $t[$n] = 'S';
    }
    $t['signMsg'] = 'G';
    return $t + $extra;
}

$PAY_NOTIFY = table('merchantId version language signType payType issuerId paymentOrderId '
    . 'orderNo orderDatetime orderAmount payDatetime payAmount ext1 ext2 payResult errorCode '
    . 'returnDatetime'); // §2.2.3, §3.2
$FLAT = [
    'pay-request' => table('inputCharset receiveUrl version language signType merchantId '
        . 'orderNo orderAmount orderCurrency orderDatetime productName ext1 payType issuerId '
        . 'tradeNature', ['cardNo' => 'N'] + array_fill_keys($INTL, 'X')), // §2.1
    'pay-notify' => $PAY_NOTIFY,
    'order-query-response' => $PAY_NOTIFY,
    'order-query' => table('merchantId version signType orderNo orderDatetime queryDatetime'), // §3.1
    'batch-query' => table('version merchantId beginDateTime endDateTime pageNo signType'), // §3.3
    'refund' => table('version signType merchantId orderNo refundAmount mchtRefundOrderNo '
        . 'orderDatetime'), // §3.5
    'refund-response' => table('merchantId version signType orderNo orderAmount orderDatetime '
        . 'refundAmount refundDatetime refundResult mchtRefundOrderNo returnDatetime'), // §3.6
    'refund-query' => table('version signType merchantId orderNo refundAmount refundDatetime '
        . 'mchtRefundOrderNo'), // §3.7 (signMsg added, ERRATA E-3.7-SIGNMSG)
    'preauth-cancel' => table('merchantId version orderAmount currency orderNo orderDatetime '
        . 'signType'), // §4.1
    'preauth-confirm' => table('version merchantId orderAmount confirmAmount currency orderNo '
        . 'orderDatetime signType'), // §4.3
];
$PREAUTH = explode(' ', 'retCode retMsg version signType merchantId orderNo orderDateTime '
    . 'orderAmount currency preAuthId transDateTime');
$TEXTS = [
    'refund-query-response' => explode(' ', 'version signType merchantId orderNo refundAmount '
        . 'refundDatetime mchtRefundOrderNo refundResult returnDatetime'), // §3.8
    'preauth-cancel-response' => $PREAUTH, // §4.2
    'preauth-confirm-response' => $PREAUTH, // §4.4
];
$BATCH_RECORD = explode(' ', 'merchantId paymentOrderId orderNo orderDatetime orderAmount '
    . 'payDatetime payAmount ext1 ext2 payResult'); // §3.4
$BATCH_SUMMARY = ['merchantId', 'count', 'pageNo', 'hasNextPage'];
// Messages the merchant signs: always MD5 with `&key=`, whatever signType says (§2.1
// signType, ERRATA E-2.1-SIGNTYPE; §3.3 fixes signType 1 for the batch query).
$MERCHANT = ['pay-request', 'order-query', 'batch-query', 'refund', 'refund-query',
    'preauth-cancel', 'preauth-confirm'];
// Signed-text forms (ERRATA E-3.8-TEXT, E-3.4-TEXT): `literal` = the lines joined by CRLF,
// nothing after the last (§3.8 注释 2, what the official demo verifies); `terminated` =
// every line followed by CRLF (the §3.8 example B93C478F…); `blank-line` (§3.4 only) =
// every byte before the signature line, the blank line included.
$TEXT_FORMS = ['literal', 'terminated', 'blank-line'];

class Refused extends Exception
{
}

function md5hex(string $data): string
{
    global $BROKEN;
    $h = md5($data); // PHP's md5() is lowercase hex
    return $BROKEN === 'lowercase-hex' ? $h : strtoupper($h); // §5.2: uppercase
}

// The merchant's MD5 key; a blank one is refused (anyone can sign with it).
function merchant_key(array $req): string
{
    $key = $req['key'] ?? null;
    if (!is_string($key)) {
        throw new Refused('MD5 needs the key');
    }
    if (trim($key) === '' || preg_match('/\A\s*\z/u', $key)) {
        throw new Refused('the key is blank: refusing to sign or verify with it');
    }
    return $key;
}

// §2.2.3: the answer's signType is the one the merchant ordered with
// (`configuredSignType`); a message claiming another is refused, whatever credentials are
// present. Returns the reason, or null.
function configured_sign_type(array $req, string $declared): ?string
{
    if (!array_key_exists('configuredSignType', $req)) {
        return null;
    }
    $cfg = $req['configuredSignType'];
    if ($cfg !== '0' && $cfg !== '1') {
        throw new Refused('configuredSignType is not 0 or 1');
    }
    return $declared === $cfg ? null : "signType '$declared' differs from the configured $cfg";
}

// json_decode keeps the last of two equal member names: refuse JSON that repeats one.
// Runs after json_decode accepted the text, so the syntax is known to be valid.
function assert_no_duplicate_names(string $json): void
{
    $stack = []; // per open object or array: ['o', names, expecting a name] / ['a']
    $n = strlen($json);
    for ($i = 0; $i < $n; $i++) {
        $c = $json[$i];
        if ($c === '"') {
            $j = $i + 1;
            while ($json[$j] !== '"') {
                $j += $json[$j] === '\\' ? 2 : 1;
            }
            $top = count($stack) - 1;
            if ($top >= 0 && $stack[$top][0] === 'o' && $stack[$top][2]) {
                $name = json_decode(substr($json, $i, $j - $i + 1), false, 2, JSON_THROW_ON_ERROR);
                if (isset($stack[$top][1][$name])) {
                    throw new Refused("member '$name' given twice");
                }
                $stack[$top][1][$name] = true;
                $stack[$top][2] = false;
            }
            $i = $j;
        } elseif ($c === '{') {
            $stack[] = ['o', [], true];
        } elseif ($c === '[') {
            $stack[] = ['a'];
        } elseif ($c === '}' || $c === ']') {
            array_pop($stack);
        } elseif ($c === ',' && $stack && $stack[count($stack) - 1][0] === 'o') {
            $stack[count($stack) - 1][2] = true;
        }
    }
}

function text_of($v): string
{
    if ($v === null) {
        return '';
    }
    if (!is_string($v) && !is_int($v)) {
        throw new Refused('field values must be strings or integers');
    }
    return (string) $v;
}

// §5.1: the non-empty signed fields in table order, name=value joined by '&'.
function sign_source(string $message, array $values): string
{
    global $FLAT, $BROKEN;
    $parts = [];
    foreach ($FLAT[$message] as $name => $kind) {
        if ($kind !== 'S' || !array_key_exists($name, $values)) {
            continue;
        }
        $v = text_of($values[$name]);
        if ($v !== '' || $BROKEN === 'empty-fields') {
            $parts[] = "$name=$v";
        }
    }
    return implode('&', $parts);
}

// The iconv name of a charset. §5.1 c: the sign source is encoded in the charset the
// message declares (inputCharset 1 UTF-8, 2 GBK, 3 GB2312; ERRATA E-CHARSET). GB2312 is
// hashed as GBK: the bytes agree for GB2312 text, and GBK also has what GB2312 lacks.
// php-cli has iconv here (mbstring is not installed); without iconv, GBK and GB2312 are
// answered {"unsupported": true} (see encode()).
function charset_name(?string $charset): string
{
    $cs = strtolower($charset ?? 'utf-8');
    if ($cs === 'gbk' || $cs === 'gb2312') {
        return 'GBK';
    }
    if ($cs === 'utf-8' || $cs === 'utf8') {
        return 'UTF-8';
    }
    throw new Refused("unknown charset $charset");
}

class Unsupported extends Exception
{
}

// UTF-8 text in the given charset.
function encode(string $text, ?string $charset): string
{
    $cs = charset_name($charset);
    if ($cs === 'UTF-8') {
        return $text;
    }
    if (!function_exists('iconv')) {
        throw new Unsupported('no iconv: GBK and GB2312 are not supported');
    }
    $out = @iconv('UTF-8', $cs, $text);
    if ($out === false) {
        throw new Refused("not encodable in $charset");
    }
    return $out;
}

// Bytes in the given charset, as UTF-8.
function decode(string $bytes, ?string $charset): string
{
    $cs = charset_name($charset);
    if ($cs !== 'UTF-8') {
        if (!function_exists('iconv')) {
            throw new Unsupported('no iconv: GBK and GB2312 are not supported');
        }
        $bytes = @iconv($cs, 'UTF-8', $bytes);
        if ($bytes === false) {
            throw new Refused("not $charset");
        }
    }
    if (!preg_match('//u', $bytes)) {
        throw new Refused('not UTF-8');
    }
    return $bytes;
}

// The charset the message declares: the request's, else payData's inputCharset.
function declared_charset(array $req, array $values): string
{
    if (!empty($req['charset'])) {
        return $req['charset'];
    }
    $ic = text_of($values['inputCharset'] ?? null);
    return $ic === '2' ? 'gbk' : ($ic === '3' ? 'gb2312' : 'utf-8');
}

// Base64 as RFC 4648 writes it; line breaks (folded signatures) are ignored.
function strict_b64(string $s): string
{
    $s = str_replace(["\r", "\n"], '', $s);
    if (strlen($s) % 4 !== 0 || !preg_match('#^[A-Za-z0-9+/]*={0,2}$#', $s)) {
        throw new Refused('not base64');
    }
    $b = base64_decode($s, true);
    if ($b === false) {
        throw new Refused('not base64');
    }
    return $b;
}

// §5.3 certificate mode: RSA PKCS#1 v1.5 over SHA-1, signMsg in base64.
function rsa_verify(string $pem, string $data, string $sig): ?string
{
    if ($sig === '') {
        return 'signMsg is empty';
    }
    $key = openssl_pkey_get_public($pem);
    if ($key === false) {
        throw new Refused('not a certificate or public key');
    }
    try {
        $raw = strict_b64($sig);
    } catch (Refused $e) {
        return 'signMsg is not base64';
    }
    return openssl_verify($data, $raw, $key, OPENSSL_ALGO_SHA1) === 1
        ? null : 'RSA signature does not verify';
}

// Every signed-text form of these lines (bytes); $blankLine for §3.4.
function text_forms(array $lines, ?string $blankLine = null): array
{
    $forms = [
        'literal' => implode("\r\n", $lines),
        'terminated' => implode('', array_map(fn($l) => "$l\r\n", $lines)),
    ];
    if ($blankLine !== null) {
        $forms['blank-line'] = $blankLine;
    }
    return $forms;
}

// The record lines (§3.4: summary, then records) from a sign request's fields.
function text_lines(string $message, array $fields, ?string $charset): array
{
    global $TEXTS, $BATCH_RECORD, $BATCH_SUMMARY;
    $line = function (array $r, array $cols) use ($charset): string {
        return encode(implode('|', array_map(fn($n) => text_of($r[$n] ?? null), $cols)), $charset);
    };
    if ($message === 'batch-query-response') {
        $out = [$line($fields['summary'] ?? [], $BATCH_SUMMARY)];
        foreach ($fields['records'] ?? [] as $r) {
            $out[] = $line($r, $BATCH_RECORD);
        }
        return $out;
    }
    $out = [];
    foreach ($fields['records'] ?? [$fields] as $r) {
        $out[] = $line($r, $TEXTS[$message]);
    }
    return $out;
}

// An implementation that rewrites its input before signing (a constant version, trim(),
// amounts bound to integers, its own clock for the datetimes) answers
// ['unsupported' => true] for a case whose values it would rewrite, never the signature
// of other text (see the Python example's --int-amounts). This one signs what it is given.
function op_sign(array $req): array
{
    global $FLAT, $TEXTS;
    $m = $req['message'];
    $key = merchant_key($req);
    $charset = $req['charset'] ?? 'utf-8';
    if (isset($FLAT[$m])) {
        $unknown = array_diff(array_keys($req['fields']), array_keys($FLAT[$m]));
        if ($unknown) {
            throw new Refused('unknown fields ' . implode(', ', $unknown));
        }
        $src = sign_source($m, $req['fields']);
        return ['signMsg' => md5hex(encode("$src&key=$key", $charset)), 'signSource' => $src];
    }
    if (isset($TEXTS[$m]) || $m === 'batch-query-response') {
        $batch = $m === 'batch-query-response';
        $lines = text_lines($m, $req['fields'], $charset);
        $forms = text_forms($lines, $batch ? implode('', array_map(fn($l) => "$l\r\n", $lines)) . "\r\n" : null);
        $form = $req['textForm'] ?? ($batch ? 'blank-line' : 'literal');
        if (!isset($forms[$form])) {
            throw new Refused("textForm $form does not apply to $m");
        }
        $text = $forms[$form]; // §3.8: MD5(text|key)
        return ['signMsg' => md5hex($text . '|' . encode($key, $charset)),
            'signSource' => decode($text, $charset)];
    }
    return ['unsupported' => true];
}

// A URL-encoded form body: `+` and %20 are spaces, escapes in either case; an empty pair
// (a trailing '&') is ignored; runs of %XX decode in the declared charset.
function form_decode(string $s, ?string $charset): string
{
    $s = str_replace('+', ' ', $s);
    $out = preg_replace_callback('/(?:%[0-9A-Fa-f]{2})+/', function ($m) use ($charset) {
        return decode(rawurldecode($m[0]), $charset);
    }, $s);
    if (!preg_match('//u', $out)) {
        throw new Refused('not UTF-8');
    }
    return $out;
}

function parse_form(string $wire, ?string $charset): array
{
    $values = [];
    foreach (explode('&', $wire) as $pair) {
        if ($pair === '') {
            continue;
        }
        if (strpos($pair, '=') === false) {
            throw new Refused("a pair without '='");
        }
        [$n, $v] = explode('=', $pair, 2);
        $name = form_decode($n, $charset);
        if (array_key_exists($name, $values)) { // one value verified, the other read by the shop
            throw new Refused("$name named twice");
        }
        $values[$name] = form_decode($v, $charset);
    }
    return $values;
}

// Record lines, then the signature line(s): [records, record lines, signature]. The
// signature is taken as it stands (spaces are part of it, and make it wrong).
function split_text(string $text, int $columns): array
{
    $records = [];
    $lines = [];
    $sig = '';
    $state = 'records';
    if (preg_match('/(?<!\r)\n/', $text)) { // §3.8: lines end in CRLF
        throw new Refused('a line ends in LF without CR');
    }
    foreach (explode("\n", $text) as $raw) {
        $line = substr($raw, -1) === "\r" ? substr($raw, 0, -1) : $raw;
        $blank = $line === '';
        if ($state === 'records') {
            if ($blank && !$records) { // the signed text starts with the first record
                throw new Refused('a blank line before the first record');
            }
            if ($blank) {
                continue;
            }
            if (strpos($line, '|') !== false) {
                $cols = explode('|', $line);
                if (count($cols) !== $columns) {
                    throw new Refused(count($cols) . " columns, expected $columns");
                }
                $records[] = $cols;
                $lines[] = $line;
                continue;
            }
            if (!$records) {
                throw new Refused('no record line');
            }
            $sig = $line;
            $state = 'signature';
        } elseif ($state === 'signature') {
            if ($blank) {
                $state = 'done';
            } elseif (strpos($line, '|') !== false) {
                throw new Refused('data after the signature');
            } else {
                $sig .= $line; // a folded base64 signature
            }
        } elseif (!$blank) {
            throw new Refused('data after the signature');
        }
    }
    if (!$records || $sig === '') {
        throw new Refused('no signature line');
    }
    return [$records, $lines, $sig];
}

// Tries every accepted form: [reason or null, the form that matched, what was computed
// for the last form tried].
function verify_text(string $signType, array $forms, string $sig, array $req, ?string $charset): array
{
    global $TEXT_FORMS;
    $computed = null;
    if ($signType === '0') { // §3.8: MD5(text|key)
        if (!isset($req['key'])) {
            throw new Refused('signType 0 needs the key');
        }
        $key = encode(merchant_key($req), $charset);
        foreach ($TEXT_FORMS as $name) {
            if (isset($forms[$name])) {
                $computed = md5hex($forms[$name] . '|' . $key);
                if (hash_equals($computed, $sig)) {
                    return [null, $name, $computed];
                }
            }
        }
        return ['MD5 does not match', null, $computed];
    }
    if ($signType === '1') { // §3.8 a-b: RSA over the uppercase hex MD5 of the text
        if (!isset($req['certificate'])) {
            throw new Refused('signType 1 needs the certificate');
        }
        $why = 'no signed-text form';
        foreach ($TEXT_FORMS as $name) {
            if (isset($forms[$name])) {
                $computed = md5hex($forms[$name]);
                $why = rsa_verify($req['certificate'], $computed, $sig);
                if ($why === null) {
                    return [null, $name, $computed];
                }
            }
        }
        return [$why, null, $computed];
    }
    return ['signType is not 0 or 1', null, null];
}

// [reason or null, what was read and computed: signMsg, computed].
function verify_flat(array $req): array
{
    global $MERCHANT;
    $m = $req['message'];
    // payData travels as JSON (§2.1), every other message as a form body.
    if ($m === 'pay-request') {
        $values = json_decode($req['wire'], true, 64, JSON_THROW_ON_ERROR);
        if (!is_array($values) || array_is_list($values) && $values) {
            throw new Refused('payData is a JSON object');
        }
        assert_no_duplicate_names($req['wire']);
    } else {
        $values = parse_form($req['wire'], $req['charset'] ?? null);
    }
    $sig = text_of($values['signMsg'] ?? null);
    if ($sig === '') {
        return ['signMsg missing', []];
    }
    $seen = ['signMsg' => $sig];
    $src = sign_source($m, $values);
    $type = text_of($values['signType'] ?? null);
    $merchant = in_array($m, $MERCHANT, true);
    if (!$merchant) { // the merchant signs its own messages with MD5 always
        $why = configured_sign_type($req, $type);
        if ($why !== null) {
            return [$why, $seen];
        }
    }
    if ($merchant || $type === '0') { // §5.1/§5.2
        $key = merchant_key($req);
        $seen['computed'] = md5hex(encode("$src&key=$key", declared_charset($req, $values)));
        return [hash_equals($seen['computed'], $sig) ? null : 'MD5 does not match', $seen];
    }
    if ($type === '1') { // §5.3: RSA over the sign source
        if (!isset($req['certificate'])) {
            throw new Refused('signType 1 needs the certificate');
        }
        $seen['computed'] = $src;
        return [rsa_verify($req['certificate'], $src, $sig), $seen];
    }
    return ['signType is not 0 or 1', $seen];
}

// §3.4: base64 of summary, records, a blank line, then the signature.
function verify_batch(array $req): array
{
    global $BATCH_RECORD;
    $text = strict_b64(preg_replace('/[\r\n \t]/', '', $req['wire']));
    if (preg_match('/(?<!\r)\n/', $text)) { // §3.4: lines end in CRLF
        throw new Refused('a line ends in LF without CR');
    }
    $lines = explode("\n", $text);
    $first = rtrim($lines[0], "\r");
    $summary = explode('|', $first);
    if (count($summary) !== 4 || !ctype_digit($summary[1]) || !in_array($summary[3], ['Y', 'N'], true)) {
        throw new Refused('bad summary line');
    }
    $offset = strlen($lines[0]) + 1;
    $records = [];
    $blank = false;
    $signed = null;
    $sig = '';
    foreach (array_slice($lines, 1) as $raw) {
        $start = $offset;
        $offset += strlen($raw) + 1;
        $line = substr($raw, -1) === "\r" ? substr($raw, 0, -1) : $raw;
        $hasBar = strpos($line, '|') !== false;
        if ($signed === null) {
            if ($line === '') {
                $blank = true;
            } elseif ($hasBar && !$blank) {
                if (count(explode('|', $line)) !== count($BATCH_RECORD)) {
                    throw new Refused('bad record line');
                }
                $records[] = $line;
            } elseif ($hasBar || !$blank) {
                throw new Refused('the signature must follow a blank line');
            } else {
                $signed = substr($text, 0, $start);
                $sig = $line;
            }
        } elseif ($hasBar) {
            throw new Refused('data after the signature');
        } else {
            $sig .= $line;
        }
    }
    if ($signed === null || $sig === '') {
        throw new Refused('no signature line');
    }
    if ((int) $summary[1] !== count($records)) {
        throw new Refused('record count differs from the summary');
    }
    $forms = text_forms(array_merge([$first], $records), $signed);
    // §3.3: signType 固定值 1 (certificate); the MD5 form when a key is given (E-3.4-MD5).
    return verify_text(isset($req['key']) ? '0' : '1', $forms, $sig, $req, $req['charset'] ?? null);
}

function op_verify(array $req): array
{
    global $FLAT, $TEXTS;
    $m = $req['message'];
    $form = null;
    $seen = [];
    if (array_key_exists('key', $req)) {
        merchant_key($req); // a blank key is refused before anything else
    }
    if (isset($req['certificate']) && !function_exists('openssl_verify')) {
        return ['unsupported' => true];
    }
    if (isset($FLAT[$m])) {
        [$why, $seen] = verify_flat($req);
    } elseif (isset($TEXTS[$m])) {
        $cols = $TEXTS[$m];
        $charset = $req['charset'] ?? null;
        [$records, $lines, $sig] = split_text($req['wire'], count($cols));
        if ($m !== 'refund-query-response' && count($records) !== 1) {
            throw new Refused('a pre-auth result holds exactly one record (§4.2/§4.4)');
        }
        $forms = text_forms(array_map(fn($l) => encode($l, $charset), $lines));
        $col = array_search('signType', $cols, true);
        $signType = $records[0][$col];
        foreach ($records as $r) {
            if ($r[$col] !== $signType) {
                throw new Refused('the records disagree on signType');
            }
        }
        $why = configured_sign_type($req, $signType);
        if ($why !== null) {
            return ['valid' => false, 'reason' => $why];
        }
        [$why, $form, $computed] = verify_text($signType, $forms, $sig, $req, $charset);
        $seen = ['computed' => $computed, 'signMsg' => $sig];
    } elseif ($m === 'batch-query-response') {
        [$why, $form, $computed] = verify_batch($req);
        $seen = ['computed' => $computed];
    } else {
        return ['unsupported' => true];
    }
    $seen = array_filter($seen, fn($v) => $v !== null);
    if ($why !== null) {
        return ['valid' => false, 'reason' => $why] + $seen;
    }
    return ($form === null ? ['valid' => true] : ['valid' => true, 'textForm' => $form]) + $seen;
}

// §5.4: the values concatenated in table order, empty ones contributing nothing.
function op_ext1(array $req): array
{
    global $INTL;
    $src = '';
    foreach ($INTL as $n) {
        $src .= text_of($req['fields'][$n] ?? null);
    }
    return ['digest' => md5hex($src), 'ext1Source' => $src];
}

function answer(string $line): array
{
    try {
        $req = json_decode($line, true, 64, JSON_THROW_ON_ERROR);
        if (!is_array($req)) {
            throw new Refused('a request is a JSON object');
        }
        switch ($req['op'] ?? '') {
            case 'sign':
                return op_sign($req);
            case 'verify':
                return op_verify($req);
            case 'ext1':
                return op_ext1($req);
            case 'decode-signature':
                return ['bytes' => strlen(strict_b64($req['signMsg']))];
            default:
                return ['unsupported' => true];
        }
    } catch (Unsupported $e) {
        return ['unsupported' => true];
    } catch (Throwable $e) {
        return ['error' => get_class($e) . ': ' . $e->getMessage()];
    }
}

$args = array_slice($argv, 1);
if ($args) {
    if (count($args) !== 2 || $args[0] !== '--broken'
        || !in_array($args[1], ['lowercase-hex', 'empty-fields'], true)) {
        fwrite(STDERR, "usage: allinpay_adapter.php [--broken lowercase-hex|empty-fields]\n");
        exit(2);
    }
    $BROKEN = $args[1];
}
while (($line = fgets(STDIN)) !== false) {
    if (trim($line) === '') {
        continue;
    }
    $out = json_encode(answer($line), JSON_UNESCAPED_UNICODE | JSON_UNESCAPED_SLASHES | JSON_INVALID_UTF8_SUBSTITUTE);
    fwrite(STDOUT, $out . "\n");
    fflush(STDOUT);
}
