#!/usr/bin/env python3
"""The layers of src/, checked: a module may include its own headers and those of the layers
below it, never above, so there is no upward include and no include cycle between modules.

    layer 0  include/          the ABI, shared with guests
    layer 1  pvclock_host/     the pvclock host, a pure library
    layer 2  vmm/core/         KVM ioctls, exit dispatch, I/O bus, MSR table, guest RAM, log
    layer 3  vmm/boot/ dev/    images and entry; devices
    layer 3  vmm/control/      the control socket's protocol (commands are the VMM's)
    layer 4  vmm/clock/        kvmclock and the policies (uses the doorbell in dev/)
    layer 5  vmm/machine/      the VM and its vCPUs: wire boot, devices and the clock together
    layer 6  vmm/snapshot/     the snapshot format; KVM's VM and vCPU state in and out
    layer 7  vmm/vmm*.[ch]     assemble and run one VM; its snapshots and control commands
    layer 8  cli/              the executable

Prints each offending include and exits 1; prints the module graph with --graph.
"""
import os
import re
import sys

LAYERS = {"abi": 0, "pvclock_host": 1, "core": 2, "boot": 3, "dev": 3, "control": 3,
          "clock": 4, "machine": 5, "snapshot": 6, "vmm": 7, "cli": 8}
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SEARCH = ["src/vmm", "src/pvclock_host", "src", "include"]


def module_of(path):
    """The module a repository path belongs to."""
    parts = path.split("/")
    if parts[0] == "include":
        return "abi"
    if parts[1] == "vmm":
        return parts[2] if len(parts) > 3 else "vmm"
    return parts[1]


def resolve(include, source):
    for d in [os.path.dirname(source)] + SEARCH:
        candidate = os.path.normpath(os.path.join(d, include))
        if os.path.exists(os.path.join(ROOT, candidate)):
            return candidate
    return None


def main():
    graph, bad = {}, []
    for top, _, names in os.walk(os.path.join(ROOT, "src")):
        for name in sorted(names):
            if not name.endswith((".c", ".h")):
                continue
            source = os.path.relpath(os.path.join(top, name), ROOT)
            with open(os.path.join(ROOT, source)) as f:
                includes = re.findall(r'^\s*#\s*include\s+"([^"]+)"', f.read(), re.M)
            for inc in includes:
                target = resolve(inc, source)
                if target is None:
                    bad.append(f"{source}: #include \"{inc}\" is not in the tree")
                    continue
                a, b = module_of(source), module_of(target)
                if a == b:
                    continue
                graph.setdefault(a, set()).add(b)
                if LAYERS[b] >= LAYERS[a]:
                    bad.append(f"{source}: #include \"{inc}\": {a} (layer {LAYERS[a]}) may "
                               f"not include {b} (layer {LAYERS[b]})")
    if "--graph" in sys.argv:
        for a in sorted(graph, key=lambda m: LAYERS[m]):
            print(f"{a} -> {', '.join(sorted(graph[a], key=lambda m: LAYERS[m]))}")
    for line in bad:
        print(line)
    if bad:
        print(f"check_layers: {len(bad)} include(s) break the layering")
        return 1
    print("check_layers: no upward include, no cycle between modules")
    return 0


if __name__ == "__main__":
    sys.exit(main())
