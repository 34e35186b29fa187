import { server } from "../fakeServer";
import { fireEvent, screen, waitFor, within } from "@solidjs/testing-library";
import { renderSettings } from "../testRender";
import { passwordProblem } from "./usersApi";

vi.mock("../../api/client", async (importOriginal) => (await import("../fakeServer")).withFakeClient(await importOriginal()));

const user = (id: number, username: string, role: string, disabled = false) => ({ id, username, role, disabled, created_at_ms: 0 });
let users = [user(1, "alice", "admin"), user(2, "bob", "viewer")];

beforeEach(() => {
  server.reset();
  users = [user(1, "alice", "admin"), user(2, "bob", "viewer")];
  server.on("GET", "/api/v1/users", () => ({ body: users }));
  server.on("PATCH", "/api/v1/users/2", ({ body }) => {
    users = users.map((u) => (u.id === 2 ? { ...u, ...(body as object) } : u));
    return { body: users[1] };
  });
});

describe("passwordProblem", () => {
  it("follows the server's rule and wants the two to match", () => {
    expect(passwordProblem("short", "short")).toMatch(/8/);
    expect(passwordProblem("x".repeat(257), "x".repeat(257))).toMatch(/256/);
    expect(passwordProblem("long enough", "long enougH")).toMatch(/differ/);
    expect(passwordProblem("long enough", "long enough")).toBeNull();
  });
});

describe("the users tab", () => {
  it("lists users; the signed-in admin cannot delete, disable or demote themselves", async () => {
    await renderSettings("/settings/users", "admin", 1);
    const me = await screen.findByTestId("user-row-alice");
    expect(me.textContent).toContain("(you)");
    expect((screen.getByTestId("user-role-alice") as HTMLSelectElement).disabled).toBe(true);
    expect(screen.queryByTestId("user-delete-alice")).toBeNull();
    expect(screen.queryByTestId("user-toggle-alice")).toBeNull();
    expect(screen.getByTestId("user-delete-bob")).toBeTruthy();
  });

  it("changes a role and disables a user", async () => {
    await renderSettings("/settings/users", "admin", 1);
    const role = (await screen.findByTestId("user-role-bob")) as HTMLSelectElement;
    fireEvent.change(role, { target: { value: "operator" } });
    await waitFor(() => expect(server.calls("PATCH", "/api/v1/users/2")[0]?.body).toEqual({ role: "operator" }));
    fireEvent.click(screen.getByTestId("user-toggle-bob"));
    await waitFor(() => expect(screen.getByTestId("user-toggle-bob").textContent).toBe("Enable"));
    expect(server.calls("PATCH", "/api/v1/users/2")[1]?.body).toEqual({ disabled: true });
  });

  it("resets a password", async () => {
    await renderSettings("/settings/users", "admin", 1);
    const row = await screen.findByTestId("user-row-bob");
    fireEvent.click(within(row).getByText("Reset password"));
    fireEvent.input(within(row).getByLabelText("New password for bob"), { target: { value: "a new password" } });
    fireEvent.click(within(row).getByText("Set"));
    expect((await within(row).findByRole("status")).textContent).toContain("Password changed");
    expect(server.calls("PATCH", "/api/v1/users/2")[0]?.body).toEqual({ password: "a new password" });
  });

  it("deletes after a confirmation", async () => {
    server.on("DELETE", "/api/v1/users/2", () => {
      users = users.filter((u) => u.id !== 2);
      return { status: 204 };
    });
    await renderSettings("/settings/users", "admin", 1);
    fireEvent.click(await screen.findByTestId("user-delete-bob"));
    fireEvent.click(screen.getByTestId("user-delete-bob-yes"));
    await waitFor(() => expect(screen.queryByTestId("user-row-bob")).toBeNull());
  });

  it("adds a user, and shows the server's refusal", async () => {
    server.on("POST", "/api/v1/users", ({ body }) => {
      const { username, role } = body as { username: string; role: string };
      if (username === "bob") return { status: 409, body: { status: 409, detail: "the user name bob is taken" } };
      users = [...users, user(3, username, role)];
      return { status: 201, body: users[2] };
    });
    await renderSettings("/settings/users", "admin", 1);
    await screen.findByTestId("user-row-bob");
    const form = screen.getByTestId("add-user-form");
    const fill = (name: string, password: string, again = password) => {
      fireEvent.input(within(form).getByLabelText("User name"), { target: { value: name } });
      fireEvent.input(within(form).getByLabelText("Password"), { target: { value: password } });
      fireEvent.input(within(form).getByLabelText("Password again"), { target: { value: again } });
    };
    fill("carol", "short");
    fireEvent.click(screen.getByTestId("add-user"));
    expect(await within(form).findByText(/At least 8/)).toBeTruthy();

    fill("bob", "long enough");
    fireEvent.click(screen.getByTestId("add-user"));
    expect((await within(form).findByRole("alert")).textContent).toContain("the user name bob is taken");

    fill("carol", "long enough");
    fireEvent.change(within(form).getByLabelText("Role"), { target: { value: "operator" } });
    fireEvent.click(screen.getByTestId("add-user"));
    expect(await screen.findByTestId("user-row-carol")).toBeTruthy();
    expect(server.calls("POST", "/api/v1/users")[1]?.body).toEqual({ username: "carol", password: "long enough", role: "operator" });
  });
});

describe("my account", () => {
  it("changes the signed-in user's password", async () => {
    server.on("POST", "/api/v1/auth/password", ({ body }) =>
      (body as { current_password: string }).current_password === "old password"
        ? { status: 204 }
        : { status: 422, body: { status: 422, detail: "the current password is wrong" } },
    );
    await renderSettings("/settings/account", "viewer", 2);
    const form = screen.getByTestId("password-form");
    const fill = (current: string) => {
      fireEvent.input(within(form).getByLabelText("Current password"), { target: { value: current } });
      fireEvent.input(within(form).getByLabelText("New password"), { target: { value: "new password" } });
      fireEvent.input(within(form).getByLabelText("New password again"), { target: { value: "new password" } });
    };
    fill("wrong");
    fireEvent.click(within(form).getByRole("button"));
    expect((await within(form).findByRole("alert")).textContent).toContain("the current password is wrong");
    fill("old password");
    fireEvent.click(within(form).getByRole("button"));
    expect((await within(form).findByRole("status")).textContent).toContain("changed");
    expect(server.calls("POST", "/api/v1/auth/password")[1]?.body).toEqual({
      current_password: "old password",
      new_password: "new password",
    });
  });
});
