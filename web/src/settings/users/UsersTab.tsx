// The users tab (admins): everybody who may sign in, their roles, and adding a user.
import { Show } from "solid-js";
import ErrorAlert from "../../app/ErrorAlert";
import ItemTable from "../ItemTable";
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
      <ErrorAlert prefix="Cannot list users: " message={users.error()} />
      {/* Rows keyed by id, so a row keeps its state (an open form, a notice) when its user changes. */}
      <Show when={users.data()} fallback={<p class="loading">Loading users…</p>}>
        {(list) => (
          <ItemTable
            testId="user-list"
            columns={[{ label: "User" }, { label: "Role" }, { label: "State", wideOnly: true }]}
            items={list()}
            row={(user) => <UserRow user={user()} onChanged={replace} onDeleted={() => void users.reload()} />}
          />
        )}
      </Show>
      <AddUserForm onCreated={() => void users.reload()} />
    </section>
  );
}
