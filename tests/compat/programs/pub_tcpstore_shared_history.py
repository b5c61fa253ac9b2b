"""A key-value store shared by workers, as skorch's DistributedHistory and launchers use
``torch.distributed.TCPStore``: a master store on a free port and client stores in worker
threads record per-batch losses as JSON, count finished workers with ``add``, elect a leader
with ``compare_set``, wait for every key, read them back in rank order; an object holding a
store is pickled by dropping the store (pickling a store raises TypeError)."""
import datetime
import json
import pickle
import threading

import torch
import torch.distributed as dist

torch.manual_seed(0)
timeout = datetime.timedelta(seconds=20)
master = dist.TCPStore("127.0.0.1", 0, 1, True, timeout=timeout)
port = master.port
print("master is a Store:", isinstance(master, dist.Store), "port chosen:", port > 0)

model = torch.nn.Linear(3, 1)
data = torch.randn(4, 8, 3)
target = torch.randn(4, 8, 1)
leaders = {}


def worker(rank):
    store = dist.TCPStore("127.0.0.1", port, 1, False, timeout=timeout)
    local = torch.nn.Linear(3, 1)
    local.load_state_dict(model.state_dict())
    losses = []
    for step in range(3):
        loss = torch.nn.functional.mse_loss(local(data[rank]), target[rank])
        loss.backward()
        with torch.no_grad():
            for p in local.parameters():
                p -= 0.1 * p.grad
                p.grad = None
        losses.append(round(loss.item(), 6))
    store.set(f"losses/{rank}", json.dumps(losses))
    leaders[rank] = store.compare_set("leader", "", str(rank)).decode()
    store.add("done", 1)


threads = [threading.Thread(target=worker, args=(r,)) for r in range(4)]
for t in threads:
    t.start()
for t in threads:
    t.join()

master.wait([f"losses/{r}" for r in range(4)])
print("workers done:", master.add("done", 0))
for r in range(4):
    print(f"rank {r} losses", json.loads(master.get(f"losses/{r}")))
leader = master.get("leader").decode()
print("one leader agreed by all:", len(set(leaders.values())) == 1 and leader in leaders.values())
print("compare_set on a mismatch keeps the value:",
      master.compare_set("leader", "nobody", "x").decode() == leader)
master.append("log", "a")
master.append("log", "b")
print("appended:", master.get("log"), "check:", master.check(["log", "done"]),
      master.check(["absent"]))
print("deleted:", master.delete_key("log"), master.delete_key("log"))


class History:
    def __init__(self, store):
        self.store = store
        self.rows = [1, 2, 3]

    def __getstate__(self):
        state = self.__dict__.copy()
        try:
            pickle.dumps(state["store"])
        except (TypeError, pickle.PicklingError) as e:
            print("store not picklable:", type(e).__name__)
            state["store"] = None
        return state


h = pickle.loads(pickle.dumps(History(master)))
print("unpickled history:", h.rows, h.store)
