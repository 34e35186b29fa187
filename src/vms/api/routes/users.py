"""User administration routes (admins only): list, add, change and remove users."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Request, Response, status

from vms.api.auth_deps import Admin, auth_of
from vms.api.problems import problem_responses
from vms.api.schemas.auth import UserCreate, UserOut, UserUpdate
from vms.auth.models import Role

UserIdPath = Annotated[int, Path(ge=1, description="User id")]


router = APIRouter(prefix="/users", tags=["users"])


@router.get("", summary="List users", responses=problem_responses(401, 403))
def list_users(_admin: Admin, request: Request) -> list[UserOut]:
    return [UserOut.of(user) for user in auth_of(request).users.list()]


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    summary="Add a user",
    responses=problem_responses(401, 403, 409, 422),
)
def add_user(body: UserCreate, _admin: Admin, request: Request) -> UserOut:
    user = auth_of(request).users.add(
        body.username, body.password.get_secret_value(), Role(body.role)
    )
    return UserOut.of(user)


@router.patch(
    "/{user_id}",
    summary="Change a user's role, password or disabled flag (their sessions end)",
    responses=problem_responses(401, 403, 404, 409, 422),
)
def change_user(user_id: UserIdPath, body: UserUpdate, admin: Admin, request: Request) -> UserOut:
    user = auth_of(request).users.change(
        admin,
        user_id,
        role=Role(body.role) if body.role is not None else None,
        password=body.password.get_secret_value() if body.password is not None else None,
        disabled=body.disabled,
    )
    return UserOut.of(user)


@router.delete(
    "/{user_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Remove a user",
    responses=problem_responses(401, 403, 404, 409),
)
def remove_user(user_id: UserIdPath, admin: Admin, request: Request) -> Response:
    auth_of(request).users.remove(admin, user_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
