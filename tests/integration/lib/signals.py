#!/usr/bin/env python3
"""Read a `busctl monitor --json=short` recording (one JSON object per line).

  signals.py states FILE OBJECT_PATH   the State values of that object's PropertiesChanged, in order
  signals.py manager FILE MEMBER        the name argument of each org.berth1.Manager MEMBER signal
"""
import json
import sys


def messages(path):
    with open(path, encoding="utf-8", errors="replace") as f:
        for line in f:
            line = line.strip()
            if not line.startswith("{"):
                continue
            try:
                yield json.loads(line)
            except ValueError:
                continue


def unwrap(v):
    # busctl renders a variant as {"type": "s", "data": "RUNNING"}
    if isinstance(v, dict) and "data" in v:
        return v["data"]
    return v


def main():
    mode, path, arg = sys.argv[1:4]
    for m in messages(path):
        if m.get("type") != "signal":
            continue
        data = (m.get("payload") or {}).get("data") or []
        if mode == "states":
            if m.get("path") != arg or m.get("member") != "PropertiesChanged" or len(data) < 2:
                continue
            if data[0] != "org.berth1.Container":
                continue
            changed = data[1] or {}
            if "State" in changed:
                print(unwrap(changed["State"]))
            elif "State" in (data[2] if len(data) > 2 else []):
                print("(invalidated)")
        elif mode == "manager":
            if m.get("interface") == "org.berth1.Manager" and m.get("member") == arg and data:
                print(data[0])


if __name__ == "__main__":
    main()
