"""Ed25519 keys as Multikey strings: multibase base58btc ('z') with a multicodec header.

Why our own base58: it is twenty lines and spares a dependency. Headers, from the
Multikey section of W3C Controlled Identifiers 1.0:
public key 0xed01 (ed25519-pub), secret key 0x8026 (ed25519-priv, the 32-byte seed).
"""
from __future__ import annotations

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)

_ALPHABET = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
_INDEX = {c: i for i, c in enumerate(_ALPHABET)}
ED25519_PUB_HEADER = b"\xed\x01"
ED25519_PRIV_HEADER = b"\x80\x26"


class KeyFormatError(ValueError):
    """A key or multibase string is not in the expected format."""


def b58encode(data: bytes) -> str:
    """Base58 (Bitcoin alphabet); each leading zero byte becomes a '1'."""
    number = int.from_bytes(data, "big")
    out = []
    while number:
        number, rem = divmod(number, 58)
        out.append(_ALPHABET[rem])
    zeros = len(data) - len(data.lstrip(b"\0"))
    return "1" * zeros + "".join(reversed(out))


def b58decode(text: str) -> bytes:
    """Inverse of b58encode; raises KeyFormatError on a character outside the alphabet."""
    number = 0
    for char in text:
        if char not in _INDEX:
            raise KeyFormatError(f"invalid base58 character {char!r}")
        number = number * 58 + _INDEX[char]
    zeros = len(text) - len(text.lstrip("1"))
    body = number.to_bytes((number.bit_length() + 7) // 8, "big") if number else b""
    return b"\0" * zeros + body


def multibase_encode(data: bytes) -> str:
    """Multibase base58btc: 'z' followed by base58."""
    return "z" + b58encode(data)


def multibase_decode(text: str) -> bytes:
    """Decode a base58btc multibase string; other bases are refused."""
    if not isinstance(text, str) or not text.startswith("z") or len(text) < 2:
        raise KeyFormatError("expected a multibase base58btc string starting with 'z'")
    return b58decode(text[1:])


def multikey_from_public_key(public_key: bytes) -> str:
    """The Multikey publicKeyMultibase for a raw 32-byte Ed25519 public key."""
    if len(public_key) != 32:
        raise KeyFormatError("an Ed25519 public key is 32 bytes")
    return multibase_encode(ED25519_PUB_HEADER + public_key)


def public_key_from_multikey(multikey: str) -> bytes:
    """The raw 32-byte Ed25519 public key inside a 'z6Mk...' Multikey."""
    return _strip_header(multibase_decode(multikey), ED25519_PUB_HEADER, "public")


def secret_multikey_from_private_key(private_key: Ed25519PrivateKey) -> str:
    """The Multikey secretKeyMultibase ('z3u2...') holding the 32-byte seed."""
    seed = private_key.private_bytes(
        serialization.Encoding.Raw, serialization.PrivateFormat.Raw,
        serialization.NoEncryption(),
    )
    return multibase_encode(ED25519_PRIV_HEADER + seed)


def raw_public_key(private_key: Ed25519PrivateKey | Ed25519PublicKey) -> bytes:
    """The 32 raw bytes of the public half of a key."""
    public = private_key.public_key() if isinstance(private_key, Ed25519PrivateKey) else private_key
    return public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def generate_keypair() -> tuple[str, str]:
    """A new issuer key: (secretKeyMultibase to keep in config, public Multikey to publish)."""
    private_key = Ed25519PrivateKey.generate()
    return (secret_multikey_from_private_key(private_key),
            multikey_from_public_key(raw_public_key(private_key)))


def load_private_key(key: Ed25519PrivateKey | str | bytes) -> Ed25519PrivateKey:
    """Accept the forms an operator may hold a signing key in.

    - an Ed25519PrivateKey;
    - a secretKeyMultibase string ('z...', header 0x8026);
    - a PEM (PKCS#8) string or bytes;
    - raw bytes: the 32-byte seed, or the 64-byte seed||public form some specs publish.
    """
    if isinstance(key, Ed25519PrivateKey):
        return key
    if isinstance(key, str) and key.startswith("z"):
        seed = _strip_header(multibase_decode(key), ED25519_PRIV_HEADER, "secret")
        return Ed25519PrivateKey.from_private_bytes(seed)
    if isinstance(key, str) or (isinstance(key, bytes) and key.startswith(b"-----BEGIN")):
        data = key.encode() if isinstance(key, str) else key
        loaded = serialization.load_pem_private_key(data, password=None)
        if not isinstance(loaded, Ed25519PrivateKey):
            raise KeyFormatError("the PEM key is not an Ed25519 key")
        return loaded
    if isinstance(key, bytes) and len(key) in (32, 64):
        return _from_raw(key)
    raise KeyFormatError("unsupported private key format")


def _from_raw(key: bytes) -> Ed25519PrivateKey:
    private_key = Ed25519PrivateKey.from_private_bytes(key[:32])
    if len(key) == 64 and raw_public_key(private_key) != key[32:]:
        raise KeyFormatError("the 64-byte key's public half does not match its seed")
    return private_key


def _strip_header(data: bytes, header: bytes, kind: str) -> bytes:
    if not data.startswith(header) or len(data) != len(header) + 32:
        raise KeyFormatError(f"not an Ed25519 {kind} Multikey (header {header.hex()} + 32 bytes)")
    return data[len(header):]
