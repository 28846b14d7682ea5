"""Keep a seeded random sample of the pending mutants in a cosmic-ray session; skip the rest.

    python mutation/sample.py SESSION.sqlite N [--seed S]

The sample is stratified by module (each module keeps its share of N, at least one mutant), so
the score of the sample estimates the score of the whole session. Skipped mutants are recorded
with the output "not in the sample" and do not count in cr-report's score.
"""

import argparse
import random
from collections import defaultdict

from cosmic_ray.work_db import WorkDB, use_db
from cosmic_ray.work_item import WorkerOutcome, WorkResult


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("session")
    parser.add_argument("n", type=int)
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args(argv)
    with use_db(args.session, WorkDB.Mode.open) as db:
        by_module = defaultdict(list)
        for item in db.pending_work_items:
            by_module[str(item.mutations[0].module_path)].append(item.job_id)
        total = sum(len(jobs) for jobs in by_module.values())
        rng = random.Random(args.seed)
        skip = []
        for module, jobs in sorted(by_module.items()):
            keep = max(1, round(args.n * len(jobs) / total)) if total > args.n else len(jobs)
            kept = set(rng.sample(sorted(jobs), min(keep, len(jobs))))
            skip.extend(j for j in jobs if j not in kept)
            print(f"{module}: {len(kept)} of {len(jobs)}")
        db.set_multiple_results(skip, WorkResult(output="not in the sample",
                                                 worker_outcome=WorkerOutcome.SKIPPED))
        print(f"kept {total - len(skip)} of {total} pending mutants (seed {args.seed})")


if __name__ == "__main__":
    main()
