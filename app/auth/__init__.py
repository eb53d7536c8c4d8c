"""Accounts: register, log in and out, profile, password, language."""
from flask import Blueprint

bp = Blueprint("auth", __name__)
