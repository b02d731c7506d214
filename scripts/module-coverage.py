#!/usr/bin/env python3
"""The share of module uses in a corpus of Ansible roles that kplay runs (README "Real roles").

Usage: npm run build && python3 scripts/module-coverage.py ROLES_DIR [ROLES_DIR ...]
Counts every task in the roles' tasks/ and handlers/ files (blocks walked into) by its module,
collection prefixes of modules kplay accepts removed; import_tasks, include_tasks, import_role and
include_role count as run (kplay's loader and engine run them). Needs PyYAML (Ansible's own).
"""
import collections
import json
import os
import subprocess
import sys

import yaml

KEYWORDS = set("""name when loop register become become_user become_method tags notify changed_when
failed_when ignore_errors until retries delay delegate_to delegate_facts run_once vars environment
no_log args check_mode diff loop_control listen async poll any_errors_fatal block rescue always
connection throttle ignore_unreachable module_defaults timeout collections debugger remote_user
local_action""".split())
PREFIXES = ("ansible.builtin.", "ansible.legacy.", "ansible.posix.", "community.general.", "community.crypto.")
LOADER = {"import_tasks", "include_tasks", "import_role", "include_role"}


def kplay_modules():
    here = os.path.dirname(os.path.abspath(__file__))
    js = "import('./dist/modules/index.js').then(m => console.log(JSON.stringify(m.moduleNames())))"
    out = subprocess.run(["node", "-e", js], cwd=os.path.dirname(here), capture_output=True, text=True, check=True)
    return set(json.loads(out.stdout)) | LOADER


def module_of(task):
    if "local_action" in task:
        la = task["local_action"]
        return la.split()[0] if isinstance(la, str) else la.get("module")
    names = [k for k in task if k not in KEYWORDS and not k.startswith("with_")]
    return names[0] if names else None


def walk(tasks, uses):
    for t in tasks if isinstance(tasks, list) else []:
        if not isinstance(t, dict):
            continue
        parts = [t[b] for b in ("block", "rescue", "always") if b in t]
        for p in parts:
            walk(p, uses)
        m = None if parts else module_of(t)
        if m:
            uses[next((m[len(p):] for p in PREFIXES if m.startswith(p)), m)] += 1


def main(roots):
    uses = collections.Counter()
    for root in roots:
        for d, _, files in os.walk(root):
            if not {"tasks", "handlers"} & set(d.split(os.sep)):
                continue
            for f in files:
                if f.endswith((".yml", ".yaml")):
                    try:
                        walk(yaml.safe_load(open(os.path.join(d, f))), uses)
                    except yaml.YAMLError:
                        pass
    have = kplay_modules()
    total = sum(uses.values())
    ran = sum(n for m, n in uses.items() if m in have)
    print(f"{ran} of {total} module uses ({100 * ran / total:.1f}%), {len(uses)} modules")
    print("not in kplay:", ", ".join(f"{m} {n}" for m, n in uses.most_common() if m not in have))


if __name__ == "__main__":
    main(sys.argv[1:])
