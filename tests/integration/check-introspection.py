#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Compare one D-Bus interface between two introspection documents.

    check-introspection.py INTERFACE EXPECTED.xml ACTUAL.xml

EXPECTED is the committed dbus/<interface>.xml, ACTUAL the live daemon's
(`busctl introspect --xml-interface org.berth1 PATH > actual.xml`; "-" reads stdin).
Methods (args: name, type, direction), signals (args: name, type) and properties
(type, access) must match exactly; order does not matter. Exit 0 when equal, 1 with
a diff on stdout when not, 2 on bad input.
"""

import sys
import xml.etree.ElementTree as ET


def load(path):
    try:
        if path == "-":
            return ET.fromstring(sys.stdin.read())
        return ET.parse(path).getroot()
    except (OSError, ET.ParseError) as e:
        print(f"check-introspection: cannot read {path}: {e}", file=sys.stderr)
        sys.exit(2)


def describe(root, interface, path):
    found = [i for i in root.iter("interface") if i.get("name") == interface]
    if not found:
        print(f"check-introspection: {path}: no interface {interface}", file=sys.stderr)
        sys.exit(1)
    if len(found) > 1:
        print(f"check-introspection: {path}: interface {interface} appears {len(found)} times", file=sys.stderr)
        sys.exit(1)
    iface = found[0]
    items = {}
    for m in iface.findall("method"):
        args = tuple((a.get("name"), a.get("type"), a.get("direction", "in")) for a in m.findall("arg"))
        items[("method", m.get("name"))] = args
    for s in iface.findall("signal"):
        args = tuple((a.get("name"), a.get("type")) for a in s.findall("arg"))
        items[("signal", s.get("name"))] = args
    for p in iface.findall("property"):
        items[("property", p.get("name"))] = (p.get("type"), p.get("access"))
    return items


def fmt(kind, name, value):
    if kind == "method":
        args = ", ".join(f"{d} {t} {n}" for n, t, d in value)
        return f"method {name}({args})"
    if kind == "signal":
        args = ", ".join(f"{t} {n}" for n, t in value)
        return f"signal {name}({args})"
    return f"property {name} {value[0]} {value[1]}"


def main(argv):
    if len(argv) != 4:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    interface, expected_path, actual_path = argv[1:]
    expected = describe(load(expected_path), interface, expected_path)
    actual = describe(load(actual_path), interface, actual_path)

    diff = []
    for key in sorted(set(expected) | set(actual)):
        e, a = expected.get(key), actual.get(key)
        if e == a:
            continue
        if e is not None:
            diff.append("- " + fmt(key[0], key[1], e) + f"   ({expected_path})")
        if a is not None:
            diff.append("+ " + fmt(key[0], key[1], a) + f"   ({actual_path})")

    if diff:
        print(f"{interface}: introspection differs (- expected, + actual):")
        print("\n".join(diff))
        return 1
    print(f"{interface}: {len(expected)} members match")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
