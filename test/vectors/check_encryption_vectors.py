#!/usr/bin/env python3
"""A second, independent reader of test/vectors/encryption.json, written from
docs/ENCRYPTION.md with the Python `cryptography` package (not part of the test suite:
run `python3 test/vectors/check_encryption_vectors.py`)."""
import base64, hashlib, json, pathlib, re, struct, sys
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

B58 = '123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz'
MAGIC, HEADER, TAG = bytes.fromhex('894243414645'), 60, 16

def b58decode(text):
    n = 0
    for c in text:
        n = n * 58 + B58.index(c)
    body = n.to_bytes((n.bit_length() + 7) // 8, 'big') if n else b''
    return b'\0' * (len(text) - len(text.lstrip('1'))) + body

def parse_key(text):
    if re.fullmatch(r'[A-Za-z0-9_-]{43}', text):
        key = base64.urlsafe_b64decode(text + '=')
        if base64.urlsafe_b64encode(key).rstrip(b'=').decode() != text: raise ValueError('spare bits')
        return 'v1', key
    if re.fullmatch(r'[A-Za-z0-9]{44}', text): return 'legacy', text.encode('ascii')
    key = b58decode(text)  # raises ValueError on a character outside the alphabet
    if len(key) != 44: raise ValueError('not 44 bytes')
    return 'legacy', key

def hkdf(key, salt, info):
    return HKDF(hashes.SHA256(), 32, salt, info).derive(key)

def decrypt_v1(key, data):
    header = data[:HEADER]
    if len(header) < HEADER or header[:6] != MAGIC or header[6] != 1 or header[7] != 1: raise ValueError('header')
    size, = struct.unpack('>I', header[8:12])
    salt, commitment = header[12:28], header[28:60]
    if hkdf(key, salt, b'browser-cafe encrypted file v1 key commitment') != commitment: raise ValueError('wrong key')
    aead = AESGCM(hkdf(key, salt, b'browser-cafe encrypted file v1 payload key'))
    body, sealed = data[HEADER:], size + TAG
    count = max(1, -(-len(body) // sealed))
    last = len(body) - (count - 1) * sealed
    if last < TAG or (count > 1 and last == TAG): raise ValueError('bad length')
    out = b''
    for i in range(count):
        nonce = bytes(7) + struct.pack('>I', i) + bytes([1 if i == count - 1 else 0])
        out += aead.decrypt(nonce, body[i * sealed:(i + 1) * sealed], header)
    return out

def encrypt_v1(key, salt, segment_size, plaintext):
    commitment = hkdf(key, salt, b'browser-cafe encrypted file v1 key commitment')
    header = MAGIC + bytes([1, 1]) + struct.pack('>I', segment_size) + salt + commitment
    aead = AESGCM(hkdf(key, salt, b'browser-cafe encrypted file v1 payload key'))
    count = max(1, -(-len(plaintext) // segment_size))
    out = header
    for i in range(count):
        nonce = bytes(7) + struct.pack('>I', i) + bytes([1 if i == count - 1 else 0])
        out += aead.encrypt(nonce, plaintext[i * segment_size:(i + 1) * segment_size], header)
    return out

def decrypt(key_text, data):
    fmt, key = parse_key(key_text)
    return decrypt_v1(key, data) if fmt == 'v1' else AESGCM(key[:32]).decrypt(key[32:], data, None)

def generated(seed, length):
    out, counter = b'', 0
    while len(out) < length:
        out += hashlib.sha256(seed.encode() + struct.pack('>I', counter)).digest()
        counter += 1
    return out[:length]

def main():
    vectors = json.loads((pathlib.Path(__file__).parent / 'encryption.json').read_text())
    checked = 0
    for v in vectors['v1'] + vectors['legacy']:
        assert parse_key(v['keyText'])[1].hex() == v['keyHex'], v['name']
        assert decrypt(v['keyText'], bytes.fromhex(v['ciphertextHex'])).hex() == v['plaintextHex'], v['name']
        checked += 1
    for v in vectors['v1']:
        fmt, key = parse_key(v['keyText'])
        salt = bytes.fromhex(v['saltHex'])
        assert hkdf(key, salt, b'browser-cafe encrypted file v1 payload key').hex() == v['payloadKeyHex']
        assert bytes.fromhex(v['ciphertextHex'])[:HEADER].hex() == v['headerHex']
        assert encrypt_v1(key, salt, v['segmentSize'], bytes.fromhex(v['plaintextHex'])).hex() == v['ciphertextHex'], v['name']
    for v in vectors['v1Generated']:
        plaintext = generated(v['plaintext']['seed'], v['plaintext']['length'])
        assert hashlib.sha256(plaintext).hexdigest() == v['plaintextSha256']
        ciphertext = encrypt_v1(bytes.fromhex(v['keyHex']), bytes.fromhex(v['saltHex']), v['segmentSize'], plaintext)
        assert len(ciphertext) == v['ciphertextLength'] and hashlib.sha256(ciphertext).hexdigest() == v['ciphertextSha256']
        assert decrypt(v['keyText'], ciphertext) == plaintext
        checked += 1
    for v in vectors['invalid']:
        try:
            decrypt(v['keyText'], bytes.fromhex(v['ciphertextHex']))
        except (ValueError, InvalidTag):
            checked += 1
            continue
        sys.exit(f"accepted a damaged file: {v['name']}")
    for v in vectors['invalidKeys']:
        try:
            parse_key(v['keyText'])
        except ValueError:
            checked += 1
            continue
        sys.exit(f"accepted a malformed key: {v['reason']}")
    print(f'{checked} vectors checked')

main()
