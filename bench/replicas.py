"""The rounds of bench/replicas.sh (standard library only): see there."""

import json
import statistics
import sys
import threading
import time
import urllib.request


def call(method, url, body=None, headers=None):
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(url, data=data, method=method)
    request.add_header("content-type", "application/json")
    for k, v in (headers or {}).items():
        request.add_header(k, v)
    with urllib.request.urlopen(request, timeout=30) as r:
        return json.loads(r.read() or b"null")


class Stream(threading.Thread):
    """Reads a text/event-stream, noting when each wanted text first shows."""

    def __init__(self, url, headers=None):
        super().__init__(daemon=True)
        request = urllib.request.Request(url)
        for k, v in (headers or {}).items():
            request.add_header(k, v)
        self.response = urllib.request.urlopen(request, timeout=60)
        self.seen = {}
        self.wanted = set()
        self.lock = threading.Condition()
        self.start()

    def run(self):
        try:
            for raw in self.response:
                line = raw.decode("utf-8", "replace")
                now = time.perf_counter()
                with self.lock:
                    for w in list(self.wanted):
                        if w in line:
                            self.seen[w] = now
                            self.wanted.discard(w)
                    self.lock.notify_all()
        except (OSError, ValueError, AttributeError):
            return  # closed by the round that opened it

    def expect(self, text):
        with self.lock:
            self.wanted.add(text)

    def wait(self, text, timeout=30):
        with self.lock:
            if not self.lock.wait_for(lambda: text in self.seen, timeout):
                raise SystemExit(f"{text!r} never arrived")
            return self.seen[text]


def summary(name, ms):
    ms = sorted(ms)
    p90 = ms[min(len(ms) - 1, int(round(0.9 * (len(ms) - 1))))]
    print(f"{name:<44} median {statistics.median(ms):7.1f} ms   p90 {p90:7.1f} ms   max {ms[-1]:7.1f} ms")


def main():
    a, b, token, rounds = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
    agent = {"authorization": f"Bearer {token}"}
    call("POST", f"{b}/v1/agent/presence", {"status": "online"}, agent)
    console = Stream(f"{b}/v1/agent/events", agent)
    to_console, to_user = [], []
    for i in range(rounds):
        session = call("POST", f"{a}/v1/sessions", {})
        user = Stream(f"{a}/v1/sessions/{session['id']}/events?secret={session['secret']}")
        console.expect(session["id"])
        sent = time.perf_counter()
        turn = call("POST", f"{a}/v1/sessions/{session['id']}/messages", {"text": "转人工"},
                    {"authorization": f"Bearer {session['secret']}"})
        to_console.append((console.wait(session["id"]) - sent) * 1000)
        ticket = turn["ticket"]["id"]
        call("POST", f"{b}/v1/agent/tickets/{ticket}/claim", None, agent)
        text = f"reply {i} through the other replica"
        user.expect(text)
        sent = time.perf_counter()
        call("POST", f"{b}/v1/agent/tickets/{ticket}/messages", {"text": text}, agent)
        to_user.append((user.wait(text) - sent) * 1000)
        call("POST", f"{b}/v1/agent/tickets/{ticket}/status", {"status": "resolved"}, agent)
        user.response.close()
    print(f"{rounds} rounds, two replicas on one PostgreSQL")
    summary("handoff on A -> agent console on B", to_console)
    summary("agent reply on B -> user's stream on A", to_user)


if __name__ == "__main__":
    main()
