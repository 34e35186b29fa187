// The users tab (admins): everybody who may sign in, their roles, and adding a user.
import { For, Show } from "solid-js";
import { createLoader } from "../loader";
import AddUserForm from "./AddUserForm";
import UserRow from "./UserRow";
import { listUsers, type UserOut } from "./usersApi";

export default function UsersTab() {
  const users = createLoader(listUsers);
  const replace = (user: UserOut) => users.set((users.data() ?? []).map((old) => (old.id === user.id ? user : old)));

  return (
    <section class="settings-section" aria-labelledby="users-title">
      <div class="section-head">
        <h2 id="users-title">Users and roles</h2>
      </div>
      <p class="muted small">
        Viewers watch live and recorded video; operators may also export; admins may also change cameras, users and
        settings.
      </p>
      <Show when={users.error()}>
        <p class="error" role="alert">
          Cannot list users: {users.error()}
        </p>
      </Show>
      <Show when={users.data()} fallback={<p class="loading">Loading users…</p>}>
        {(list) => (
          <div class="table-scroll">
            <table data-testid="user-list">
              <thead>
                <tr>
                  <th>User</th>
                  <th>Role</th>
                  <th class="wide-only">State</th>
                  <th>
                    <span class="visually-hidden">Actions</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {/* Rows keyed by id, so a row keeps its state (an open form, a notice) when its user changes. */}
                <For each={list().map((user) => user.id)}>
                  {(id) => (
                    <Show when={list().find((user) => user.id === id)}>
                      {(user) => <UserRow user={user()} onChanged={replace} onDeleted={() => void users.reload()} />}
                    </Show>
                  )}
                </For>
              </tbody>
            </table>
          </div>
        )}
      </Show>
      <AddUserForm onCreated={() => void users.reload()} />
    </section>
  );
}
