"""200 sessions opened and closed in turn leave server memory within 20% of where it started. Run by hand.

    .venv/bin/python benchmarks/memory_test.py                       # 200 sessions, about 10-15 minutes
    .venv/bin/python benchmarks/memory_test.py --sessions 20 --settle 5   # a smoke run

Starts `streamlit run app.py` on a free loopback port (or measures --url), then uses the websocket clients of
benchmarks/load_test.py (see its docstring for the protocol). Each session visits every page with settings of its
own, so the caches and its session state fill: One step with another size, preset, input and gate surgery and a quiz
answer; Gates over time with a random input kind, length, hidden size and weight seed, a step and a challenge knob;
the Train page (every --train-every-th session trains a small model, which then lives in its session state and is
opened in Gates over time); the comparison pages if the app has them. Then it closes the websocket and the next
session starts.

Memory: RSS of the server process and all its children from /proc. Sampled after --warmup sessions (first imports,
torch among them, and the first figures are then in), after the last session, and again after --settle seconds:
Streamlit keeps a closed session for reconnection for server.disconnectedSessionTTL (120 s by default) and drops it
when the session store is next written, so the settled sample comes after one more session opened and closed.
The ratio settled / after warm-up must be at most --limit (1.2); the exit code is 1 above it.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from load_test import (
    ARTIFACTS,
    ROOT,
    TRAIN_SETTINGS,
    TRAINED_LABEL,
    Alert,
    ClientError,
    MemorySampler,
    Recorder,
    StreamlitClient,
    Target,
    app_version,
    loadavg,
    process_tree,
    rss_kib,
)


async def visit(client: StreamlitClient, rng: random.Random, train: bool, train_timeout: float = 240) -> None:
    """One session's tour with non-default settings everywhere; train: submit a short training and use the model."""
    c = client
    await c.open("")
    await c.fetch_media()
    await c.goto("one-step")
    await c.set("os_H", rng.randint(1, 4))
    await c.set("os_D", rng.randint(1, 3))
    await c.set("os_preset", rng.choice(list(c.widget("os_preset").proto.options)))
    await c.set("os_seed", rng.randint(0, 9999))
    await c.set("os_x0", round(rng.uniform(-3, 3) / 0.05) * 0.05)
    await c.set("os_u_mode", [rng.choice(["0", "1", "slider"])])
    await c.set("osx_guess_", round(rng.uniform(0, 1), 2), prefix=True)
    await c.click("osx_reveal")
    await c.fetch_media()

    if train:
        await c.goto("train")
        for key, value in TRAIN_SETTINGS.items():
            await c.set(key, value)
        await c.set("tr_seed", rng.randint(0, 9999))
        await c.submit("trx_form", "train: submit")
        runs, limit = c.full_runs, time.monotonic() + train_timeout
        while not (c.full_runs > runs and any(b.startswith("Training finished") for b in c.alerts(Alert.SUCCESS))):
            if c.failed or time.monotonic() > limit or (c.full_runs > runs and c.alerts(Alert.ERROR)):
                raise ClientError(c.failed or f"no training result ({c.alerts(Alert.ERROR)})")
            await asyncio.sleep(0.1)

    await c.goto("gates-over-time")
    kinds = [k for k in c.widget("got_seq").proto.options]
    kind = rng.choice(kinds)
    await c.set("got_seq", kind)
    if "text" in kind.lower():
        await c.set("got_text", "".join(rng.choice("abcdefgh ") for _ in range(rng.randint(5, 60))))
    elif "custom" in kind.lower():
        await c.set("got_custom", ", ".join(f"{rng.uniform(-1, 1):.2f}" for _ in range(rng.randint(5, 80))))
    else:
        await c.set("got_T", rng.randint(20, 500))
    await c.set("got_H", rng.randint(2, 32))
    await c.set("got_seed", rng.randint(0, 9999))
    steps = [w for w in c.widgets.values() if w.key == "got_step"]  # absent for a one-step sequence
    if steps:
        await c.set("got_step", rng.randint(0, int(steps[0].proto.max)))
    if not c.widget("got_challenge").state.bool_value:  # the challenge draws its knobs only while open
        await c.set("got_challenge", True)
    await c.set("gotx_knob_W_u", rng.choice([-6.0, -3.0, 3.0, 6.0]))
    if train:
        await c.set("got_weights", TRAINED_LABEL)
    for path in ("train", "compare", "memory"):
        if c.has_page(path):
            await c.goto(path)


def mib(kib: int) -> str:
    return f"{kib / 1024:.0f}"


async def main_async(args) -> int:
    target = Target("url" if args.url else "single", 1, args.url, ARTIFACTS, app_dir=args.app_dir)
    url = await asyncio.get_running_loop().run_in_executor(None, target.start)
    print(f"Server at {url}, pids {target.server_pids}; load average {loadavg()}", flush=True)
    sampler = MemorySampler(target.server_pids)
    rec = Recorder()

    def main_rss() -> int:
        return sum(rss_kib(p) for p in target.server_pids)

    async def session(i: int, phase: str, train: bool) -> None:
        nonlocal trained
        trained += train
        client = StreamlitClient(url, f"m{i:03d}", rec, phase, static=args.static, timeout=args.timeout)
        try:
            await visit(client, random.Random(i), train=train)
        except (TimeoutError, ClientError, OSError) as exc:
            rec.error(client.name, phase, f"{type(exc).__name__}: {exc}")
        finally:
            await client.close()

    rows, trained = [], 0
    t0 = time.monotonic()
    sampler.task = asyncio.create_task(sampler.run())  # every second, for the peak (training processes included)
    try:
        start = sampler.sample()[0], main_rss()
        rows.append(("server started", *start))
        for i in range(args.warmup):  # the first one trains, so that the first training's imports are in too
            await session(-1 - i, "warm-up", train=i == 0 and args.train_every > 0)
        await asyncio.sleep(3)
        warm = sampler.sample()[0], main_rss()
        rows.append((f"after {args.warmup} warm-up sessions", *warm))
        print(f"After warm-up: {mib(warm[0])} MiB; {args.sessions} sessions ...", flush=True)
        for i in range(args.sessions):
            await session(i, "sessions", train=args.train_every > 0 and (i + 1) % args.train_every == 0)
            if (i + 1) % 20 == 0:
                print(f"  {i + 1} sessions: {mib(sampler.sample()[0])} MiB ({time.monotonic() - t0:.0f} s)", flush=True)
        await asyncio.sleep(3)
        end = sampler.sample()[0], main_rss()
        rows.append((f"after {args.sessions} sessions (just closed)", *end))
        print(f"Waiting {args.settle:.0f} s for closed sessions to expire ...", flush=True)
        await asyncio.sleep(args.settle)
        await session(args.sessions, "sessions", train=False)  # writes the session store, which drops expired sessions
        await asyncio.sleep(3)
        settled = sampler.sample()[0], main_rss()
        rows.append((f"{args.settle:.0f} s later, after one more session", *settled))
        peak = max(s[1] for s in sampler.samples)
        children = process_tree(target.server_pids)
    finally:
        sampler.task.cancel()
        await asyncio.get_running_loop().run_in_executor(None, target.stop)

    ratio = settled[0] / warm[0]
    print()
    print(f"## Memory: {args.sessions} sessions opened and closed in turn")
    print()
    print(f"App: {app_version(args.app_dir) if not args.url else args.url}.")
    print(f"Load average at the end {loadavg()}; {time.monotonic() - t0:.0f} s in all; "
          f"{len(rec.samples)} reruns; {trained} sessions trained a model (T=20, H=8, 100 steps).")
    print()
    print("| when | server + children RSS (MiB) | main process RSS (MiB) | vs after warm-up |")
    print("|---|---:|---:|---:|")
    for label, total, main in rows:
        print(f"| {label} | {mib(total)} | {mib(main)} | {total / warm[0]:.2f} |")
    print(f"| peak, sampled every second (training processes included) | {mib(peak)} | | |")
    print()
    print(f"Processes at the end: {len(children)} (server and children).")
    failed = False
    if rec.errors:
        print(f"Errors ({len(rec.errors)}):")
        for session, phase, what in rec.errors[:20]:
            print(f"- {session} ({phase}): {what}")
        failed = True
    ok = ratio <= args.limit
    print(f"Ratio settled / after warm-up: {ratio:.2f} (limit {args.limit:g}): {'met' if ok else 'MISSED'}.")
    return 0 if ok and not failed else 1


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--sessions", type=int, default=200, help="sessions, one after another (200)")
    p.add_argument("--warmup", type=int, default=10, help="sessions before the first sample (10)")
    p.add_argument("--train-every", type=int, default=25, help="every n-th session trains; 0: none (25)")
    p.add_argument("--settle", type=float, default=130, help="seconds to wait for closed sessions to expire (130)")
    p.add_argument("--limit", type=float, default=1.2, help="largest allowed ratio (1.2)")
    p.add_argument("--timeout", type=float, default=60, help="longest wait for one rerun, s (60)")
    p.add_argument("--static", action="store_true", help="also fetch the static files of each page load")
    p.add_argument("--url", help="measure an app that is already running (processes listening on its port)")
    p.add_argument("--app-dir", type=Path, default=ROOT, help="the checkout to serve (default: this one)")
    return asyncio.run(main_async(p.parse_args()))


if __name__ == "__main__":
    sys.exit(main())
