"""Passwords (bcrypt), access tokens (PyJWT, HS256 pinned) and secret encryption (Fernet)."""

import hashlib
import secrets
from datetime import UTC, datetime, timedelta

import bcrypt
import jwt
from cryptography.fernet import Fernet, InvalidToken, MultiFernet

from config import Settings
from errors import Unauthenticated

# bcrypt reads at most 72 bytes; hashing longer input first keeps long passphrases meaningful.
_BCRYPT_MAX = 72


def _pw_bytes(password: str) -> bytes:
    raw = password.encode()
    return raw if len(raw) <= _BCRYPT_MAX else hashlib.sha256(raw).hexdigest().encode()


def hash_password(password: str) -> str:
    return bcrypt.hashpw(_pw_bytes(password), bcrypt.gensalt()).decode()


def verify_password(password: str, hashed: str) -> bool:
    try:
        return bcrypt.checkpw(_pw_bytes(password), hashed.encode())
    except ValueError:
        return False


# Checked against when the user does not exist, so a wrong username costs as much time as a
# wrong password (no user enumeration by timing).
DUMMY_HASH = bcrypt.hashpw(b"not-a-real-password", bcrypt.gensalt()).decode()


def create_access_token(settings: Settings, user_id: int) -> tuple[str, int]:
    now = datetime.now(UTC)
    expires = settings.access_token_expire_minutes * 60
    payload = {"sub": str(user_id), "iat": now, "exp": now + timedelta(seconds=expires), "typ": "access"}
    return jwt.encode(payload, settings.secret_key, algorithm=settings.jwt_algorithm), expires


def decode_access_token(settings: Settings, token: str) -> tuple[int, float]:
    """The user id and expiry (epoch seconds) of a token whose signature and claims check out."""
    try:
        payload = jwt.decode(token, settings.secret_key, algorithms=[settings.jwt_algorithm],
                             options={"require": ["exp", "iat", "sub"]})
        return int(payload["sub"]), float(payload["exp"])
    except jwt.ExpiredSignatureError as exc:
        raise Unauthenticated("Token expired: log in again at POST /auth/login") from exc
    except (jwt.InvalidTokenError, ValueError) as exc:
        raise Unauthenticated("Invalid token: log in again at POST /auth/login") from exc


class SecretBox:
    """Encrypts provider keys with the newest ENCRYPTION_KEY; decrypts with any listed key."""

    def __init__(self, keys: list[str]) -> None:
        self._fernet = MultiFernet([Fernet(k) for k in keys])

    def encrypt(self, plaintext: str) -> str:
        return self._fernet.encrypt(plaintext.encode()).decode()

    def decrypt(self, token: str) -> str:
        try:
            return self._fernet.decrypt(token.encode()).decode()
        except InvalidToken as exc:
            raise ValueError("stored secret cannot be decrypted with any ENCRYPTION_KEY") from exc

    def rotate(self, token: str) -> str:
        return self._fernet.rotate(token.encode()).decode()


def mask_secret(secret: str) -> str:
    """A preview that identifies a key without revealing it: 'sk-...9f2c'."""
    return f"{secret[:3]}...{secret[-4:]}" if len(secret) >= 12 else "***"


def new_client_key() -> str:
    return "vak_" + secrets.token_urlsafe(32)


def hash_client_key(key: str) -> str:
    # Client keys are 256-bit random, so a fast hash is enough (no need for bcrypt's cost).
    return hashlib.sha256(key.encode()).hexdigest()
