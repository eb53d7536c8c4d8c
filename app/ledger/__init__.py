"""Continuing-education credit: the learner's ledger and transcript, and public certificate checks."""
from flask import Blueprint

bp = Blueprint("ledger", __name__)
