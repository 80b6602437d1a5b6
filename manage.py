"""Operator commands. `python -m manage create-admin USERNAME EMAIL` creates an admin (the way to
get the first one in production, where no default users are seeded); it asks for the password,
or reads one line from stdin when piped."""

import argparse
import getpass
import sys

from sqlalchemy import create_engine, select
from sqlalchemy.orm import Session

from config import get_settings
from database.bootstrap import migrate_and_seed
from database.database import sync_url
from database.models import User
from services.security import hash_password
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


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m manage")
    sub = parser.add_subparsers(dest="cmd", required=True)
    ca = sub.add_parser("create-admin", help="create (or reset) an admin user")
    ca.add_argument("username")
    ca.add_argument("email")
    sub.add_parser("migrate", help="migrate and seed the database, then exit")
    args = parser.parse_args(argv)
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
