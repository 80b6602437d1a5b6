"""Operator commands.

    python -m manage create-admin USERNAME EMAIL   an admin (the first one in production, where no
                                                   default users are seeded); the password is asked
                                                   for, or read as one line from stdin
    python -m manage migrate                       migrate and seed, then exit
    python -m manage rotate-keys                   re-encrypt stored secrets with the newest of the
                                                   ENCRYPTION_KEY list, after which older keys can go
"""

import argparse
import getpass
import sys

from sqlalchemy import create_engine, select, update
from sqlalchemy.orm import Session

from config import get_settings
from database.bootstrap import migrate_and_seed
from database.database import sync_url
from database.models import ApiKey, Assistant, ConfigState, User
from services.security import SecretBox, hash_password
from services.seed_service import seed


def create_admin(username: str, email: str, password: str) -> str:
    settings = get_settings()
    migrate_and_seed(settings.database_url, lambda conn: seed(conn, settings))
    engine = create_engine(sync_url(settings.database_url))
    with Session(engine) as db:
        user = db.scalar(select(User).where(User.username == username))
        if user is None:
            db.add(User(username=username, email=email, hashed_password=hash_password(password),
                        is_admin=True, is_active=True))
            msg = f"created admin {username}"
        else:
            user.is_admin, user.is_active, user.hashed_password = True, True, hash_password(password)
            msg = f"updated {username}: now an active admin with the new password"
        db.commit()
    engine.dispose()
    return msg


def rotate_encryption() -> int:
    """Re-encrypt every stored secret with the newest ENCRYPTION_KEY, so older keys can then be
    removed from the list. Returns how many secrets were rewritten."""
    settings = get_settings()
    box = SecretBox(settings.encryption_keys)
    engine = create_engine(sync_url(settings.database_url))
    count = 0
    with Session(engine) as db, db.begin():
        for key in db.scalars(select(ApiKey)):
            key.encrypted_key = box.rotate(key.encrypted_key)
            count += 1
        for assistant in db.scalars(select(Assistant).where(Assistant.api_key.is_not(None))):
            assistant.api_key = box.rotate(assistant.api_key)  # type: ignore[arg-type]
            count += 1
        db.execute(update(ConfigState).values(version=ConfigState.version + 1))  # workers reload
    engine.dispose()
    return count


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m manage")
    sub = parser.add_subparsers(dest="cmd", required=True)
    ca = sub.add_parser("create-admin", help="create (or reset) an admin user")
    ca.add_argument("username")
    ca.add_argument("email")
    sub.add_parser("migrate", help="migrate and seed the database, then exit")
    sub.add_parser("rotate-keys", help="re-encrypt stored secrets with the newest ENCRYPTION_KEY")
    args = parser.parse_args(argv)
    if args.cmd == "rotate-keys":
        sys.stdout.write(f"re-encrypted {rotate_encryption()} secrets with the newest ENCRYPTION_KEY\n")
        return 0
    if args.cmd == "migrate":
        settings = get_settings()
        migrate_and_seed(settings.database_url, lambda conn: seed(conn, settings))
        sys.stdout.write("database is at head\n")
        return 0
    password = getpass.getpass("Password: ") if sys.stdin.isatty() else sys.stdin.readline().rstrip("\n")
    if len(password) < 8:
        sys.stderr.write("password must have at least 8 characters\n")
        return 2
    sys.stdout.write(create_admin(args.username, args.email, password) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
