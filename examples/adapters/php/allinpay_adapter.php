<?php
// Example adapter for `allinpay-conformance run --adapter` (docs/adapter.md).
//
// A small, complete PHP implementation of the Allinpay mobile-payment merchant protocol's
// signatures, written from the spec (v2.7): MD5 signing (§5.1, §5.2), verification (§5.3)
// of name=value messages and of the text answers (§3.4, §3.8, §4.2, §4.4) with MD5 or the
// gateway certificate (openssl), and the §5.4 ext1 digest. `parse` and `check` are
// answered `unsupported` (skipped by the runner).
//
// One JSON request per line on stdin, one JSON answer per line on stdout.
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

class Refused extends Exception
{
}

function md5hex(string $data): string
{
    global $BROKEN;
    $h = md5($data); // PHP's md5() is lowercase hex
    return $BROKEN === 'lowercase-hex' ? $h : strtoupper($h); // §5.2: uppercase
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

function text_body(string $message, array $fields): string
{
    global $TEXTS, $BATCH_RECORD, $BATCH_SUMMARY;
    $line = function (array $r, array $cols): string {
        return implode('|', array_map(fn($n) => text_of($r[$n] ?? null), $cols)) . "\r\n";
    };
    if ($message === 'batch-query-response') {
        $out = $line($fields['summary'] ?? [], $BATCH_SUMMARY);
        foreach ($fields['records'] ?? [] as $r) {
            $out .= $line($r, $BATCH_RECORD);
        }
        return $out . "\r\n";
    }
    $out = '';
    foreach ($fields['records'] ?? [$fields] as $r) {
        $out .= $line($r, $TEXTS[$message]);
    }
    return $out;
}

function op_sign(array $req): array
{
    global $FLAT, $TEXTS;
    $m = $req['message'];
    $key = $req['key'];
    if (isset($FLAT[$m])) {
        $unknown = array_diff(array_keys($req['fields']), array_keys($FLAT[$m]));
        if ($unknown) {
            throw new Refused('unknown fields ' . implode(', ', $unknown));
        }
        $src = sign_source($m, $req['fields']);
        $data = "$src&key=$key";
        if (in_array(strtolower($req['charset'] ?? 'utf-8'), ['gbk', 'gb2312'], true)) {
            if (!function_exists('iconv')) {
                return ['unsupported' => true];
            }
            $data = iconv('UTF-8', 'GBK', $data); // GB2312 text has the same bytes in GBK
        }
    } elseif (isset($TEXTS[$m]) || $m === 'batch-query-response') {
        $src = text_body($m, $req['fields']); // §3.8: MD5(text|key), CRLFs included
        $data = "$src|$key";
    } else {
        return ['unsupported' => true];
    }
    return ['signMsg' => md5hex($data), 'signSource' => $src];
}

function parse_form(string $wire): array
{
    $values = [];
    foreach (explode('&', $wire) as $pair) {
        if (strpos($pair, '=') === false) {
            throw new Refused("a pair without '='");
        }
        [$n, $v] = explode('=', $pair, 2);
        $values[urldecode($n)] = urldecode($v);
    }
    return $values;
}

// Record lines, then the signature line(s): [records, signed bytes, signature].
function split_text(string $text, int $columns): array
{
    $records = [];
    $sig = '';
    $signed = '';
    $state = 'records';
    $offset = 0;
    foreach (explode("\n", $text) as $raw) {
        $start = $offset;
        $offset += strlen($raw) + 1;
        $line = rtrim($raw, "\r");
        $blank = trim($line) === '';
        if ($state === 'records') {
            if ($blank) {
                continue;
            }
            if (strpos($line, '|') !== false) {
                $cols = explode('|', $line);
                if (count($cols) !== $columns) {
                    throw new Refused(count($cols) . " columns, expected $columns");
                }
                $records[] = $cols;
                continue;
            }
            if (!$records) {
                throw new Refused('no record line');
            }
            $signed = substr($text, 0, $start);
            $sig = trim($line);
            $state = 'signature';
        } elseif ($state === 'signature') {
            if ($blank) {
                $state = 'done';
            } elseif (strpos($line, '|') !== false) {
                throw new Refused('data after the signature');
            } else {
                $sig .= trim($line);
            }
        } elseif (!$blank) {
            throw new Refused('data after the signature');
        }
    }
    if (!$records || $sig === '') {
        throw new Refused('no signature line');
    }
    return [$records, $signed, $sig];
}

function verify_text(string $signType, string $signed, string $sig, array $req): ?string
{
    if ($signType === '0') { // §3.8: MD5(text|key)
        if (!isset($req['key'])) {
            throw new Refused('signType 0 needs the key');
        }
        return md5hex($signed . '|' . $req['key']) === $sig ? null : 'MD5 does not match';
    }
    if ($signType === '1') { // §3.8 a-b: RSA over the uppercase hex MD5 of the text
        if (!isset($req['certificate'])) {
            throw new Refused('signType 1 needs the certificate');
        }
        return rsa_verify($req['certificate'], md5hex($signed), $sig);
    }
    return 'signType is not 0 or 1';
}

function op_verify(array $req): array
{
    global $FLAT, $TEXTS, $BATCH_RECORD;
    $m = $req['message'];
    $wire = $req['wire'];
    if (isset($req['certificate']) && !function_exists('openssl_verify')) {
        return ['unsupported' => true];
    }
    if (isset($FLAT[$m])) {
        // payData travels as JSON (§2.1), every other message as a form body.
        $values = $m === 'pay-request' ? json_decode($wire, true) : parse_form($wire);
        if (!is_array($values)) {
            throw new Refused('not a JSON object');
        }
        $sig = text_of($values['signMsg'] ?? null);
        if ($sig === '') {
            return ['valid' => false, 'reason' => 'signMsg missing'];
        }
        $src = sign_source($m, $values);
        $type = $values['signType'] ?? '';
        if ($type === '0') {
            if (!isset($req['key'])) {
                throw new Refused('signType 0 needs the key');
            }
            $why = md5hex("$src&key={$req['key']}") === $sig ? null : 'MD5 does not match';
        } elseif ($type === '1') {
            if (!isset($req['certificate'])) {
                throw new Refused('signType 1 needs the certificate');
            }
            $why = rsa_verify($req['certificate'], $src, $sig);
        } else {
            $why = 'signType is not 0 or 1';
        }
    } elseif (isset($TEXTS[$m])) {
        $cols = $TEXTS[$m];
        [$records, $signed, $sig] = split_text($wire, count($cols));
        if ($m !== 'refund-query-response' && count($records) !== 1) {
            throw new Refused('a pre-auth result holds exactly one record (§4.2/§4.4)');
        }
        $why = verify_text($records[0][array_search('signType', $cols, true)], $signed, $sig, $req);
    } elseif ($m === 'batch-query-response') {
        $text = strict_b64(preg_replace('/[\r\n \t]/', '', $wire));
        $lines = explode("\n", $text);
        $summary = explode('|', rtrim($lines[0], "\r"));
        if (count($summary) !== 4 || !ctype_digit($summary[1]) || !in_array($summary[3], ['Y', 'N'], true)) {
            throw new Refused('bad summary line');
        }
        // §3.4: records, a blank line, then the signature.
        $offset = strlen($lines[0]) + 1;
        $records = 0;
        $blank = false;
        $signed = null;
        $sig = '';
        foreach (array_slice($lines, 1) as $raw) {
            $start = $offset;
            $offset += strlen($raw) + 1;
            $line = rtrim($raw, "\r");
            $hasBar = strpos($line, '|') !== false;
            if ($signed === null) {
                if (trim($line) === '') {
                    $blank = true;
                } elseif ($hasBar && !$blank) {
                    if (count(explode('|', $line)) !== count($BATCH_RECORD)) {
                        throw new Refused('bad record line');
                    }
                    $records++;
                } elseif ($hasBar || !$blank) {
                    throw new Refused('the signature must follow a blank line');
                } else {
                    $signed = substr($text, 0, $start);
                    $sig = trim($line);
                }
            } elseif ($hasBar) {
                throw new Refused('data after the signature');
            } else {
                $sig .= trim($line);
            }
        }
        if ($signed === null || $sig === '') {
            throw new Refused('no signature line');
        }
        if ((int) $summary[1] !== $records) {
            throw new Refused('record count differs from the summary');
        }
        $why = verify_text('1', $signed, $sig, $req); // §3.3: signType 固定值 1
    } else {
        return ['unsupported' => true];
    }
    return $why === null ? ['valid' => true] : ['valid' => false, 'reason' => $why];
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
