"""Camera probe route: test a stream URL (codecs, resolution, one picture) before saving it."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, status

from vms.api.auth_deps import Admin
from vms.api.doors import CamerasRoom
from vms.api.problems import problem_responses
from vms.api.schemas.probe import ProbeIn, ProbeOut
from vms.ingest.probe import MAX_RUNNING, ProbeBusyError, ProbeTimedOutError

# POST /cameras/probe (admin); the cameras door runs at most MAX_RUNNING probes at once.
router = APIRouter(prefix="/cameras", tags=["cameras"])


@router.post(
    "/probe",
    summary="Test a camera stream: codecs, resolution, frame rate, audio and one picture",
    description=(
        "Connects once (nothing is stored), stops at the first decoded keyframe. 422: the "
        "address, path or credentials are wrong (the detail says which); 504: no picture "
        f"within timeout_s; 503 with Retry-After: {MAX_RUNNING} probes run already."
    ),
    responses=problem_responses(401, 403, 422, 503, 504),
)
async def probe_camera(body: ProbeIn, _admin: Admin, cameras: CamerasRoom) -> ProbeOut:
    try:
        result = await cameras.probe(body.request(), body.timeout_s)
    except ProbeBusyError as exc:
        raise HTTPException(
            status.HTTP_503_SERVICE_UNAVAILABLE,
            str(exc),
            headers={"Retry-After": str(exc.retry_after_s)},
        ) from None
    except ProbeTimedOutError as exc:
        raise HTTPException(status.HTTP_504_GATEWAY_TIMEOUT, str(exc)) from None
    return ProbeOut.of(result)
