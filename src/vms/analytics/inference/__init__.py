"""Object detection off the media path: a pool of worker processes fed through shared memory.

`InferencePool` is what the rest of VMS uses; `worker` is the code that runs in the processes.
"""
