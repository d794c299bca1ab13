"""Runs Google's own cron schedule parser (groc, shipped with the Google Cloud SDK) on cases.

Usage: python3 groc_oracle.py < cases.json > results.json
A case is {"schedule": str, "timezone": str|null, "from": ISO-8601 UTC, "count": int};
a result is {"ok": true, "runs": [ISO-8601 UTC...]} or {"ok": false, "error": str}.
The SDK leaves pytz out of groc; it is put back here (from the SDK's third_party) so that
time zones are evaluated as the scheduler evaluates them.
Needs a local Google Cloud SDK; set GCLOUD_SDK_LIB if it is not in /usr/lib/google-cloud-sdk/lib.
"""
import datetime
import json
import os
import sys

lib = os.environ.get('GCLOUD_SDK_LIB', '/usr/lib/google-cloud-sdk/lib')
sys.path.insert(0, lib)
sys.path.insert(0, os.path.join(lib, 'third_party'))
import pytz  # noqa: E402
from googlecloudsdk.appengine.googlecron import groctimespecification as spec  # noqa: E402

spec.pytz = pytz
spec.AmbiguousTimeError = pytz.AmbiguousTimeError
spec.NonExistentTimeError = pytz.NonExistentTimeError


def run(case):
    try:
        timezone = case.get('timezone')
        schedule = spec.GrocTimeSpecification(case['schedule'], timezone)
        start = datetime.datetime.strptime(case['from'], '%Y-%m-%dT%H:%M:%S.%fZ')
        start = pytz.utc.localize(start)
        runs = schedule.GetMatches(start, case['count'])
        return {
            'ok': True,
            'runs': [r.astimezone(pytz.utc).strftime('%Y-%m-%dT%H:%M:%S.000Z') for r in runs],
        }
    except Exception as error:  # every parser error is a result, none stops the run
        return {'ok': False, 'error': '%s: %s' % (type(error).__name__, error)}


print(json.dumps([run(case) for case in json.load(sys.stdin)]))
