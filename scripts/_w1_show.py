import sys
from src.study import load_study
from src.ingest.store import load_store
from src.claims.evaluate import Settings, evaluate_all
study = load_study(); store = load_store()
for focus in sys.argv[1:]:
    for cid, v in evaluate_all(study, store, Settings.default(study.defaults, focus=focus)).items():
        print(f"== {focus} {cid} [{v.status}] {v.title} | key: {v.key_fact}\n   {v.headline}\n   {v.sentence[:900]}")
        if v.notes: print("   notes:", v.notes)
