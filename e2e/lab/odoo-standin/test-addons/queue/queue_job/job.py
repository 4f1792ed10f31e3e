# Delayed jobs: `enqueue` is what `records.with_delay().method()` does (a pending row, committed
# with the caller's transaction); `job_function` declares what a (model, method) pair runs.
import json
import uuid

JOB_FUNCTIONS = {}


def job_function(model_name, method_name):
    def decorator(fn):
        JOB_FUNCTIONS[(model_name, method_name)] = fn
        return fn
    return decorator


def enqueue(cr, model_name, method_name, priority=10, **kwargs):
    job_uuid = str(uuid.uuid4())
    cr.execute('INSERT INTO queue_job (uuid, model_name, method_name, kwargs, priority) VALUES (%s, %s, %s, %s, %s)',
               (job_uuid, model_name, method_name, json.dumps(kwargs), priority))
    return job_uuid
