import { server } from "./fakeServer";
import { screen, waitFor } from "@solidjs/testing-library";
import { renderSettings } from "./testRender";

vi.mock("../api/client", async (importOriginal) => (await import("./fakeServer")).withFakeClient(await importOriginal()));

beforeEach(() => {
  server.reset();
  server.on("GET", "/api/v1/cameras", { body: [] });
});

const tabIds = () => screen.getAllByRole("link").map((link) => link.getAttribute("data-testid"));

describe("the settings page", () => {
  it("shows admins every tab", async () => {
    await renderSettings("/settings/cameras", "admin");
    expect(tabIds()).toEqual(expect.arrayContaining(["settings-tab-cameras", "settings-tab-zones", "settings-tab-users", "settings-tab-account", "settings-tab-system"]));
    expect(screen.getByTestId("settings-tab-cameras").classList.contains("active")).toBe(true);
  });

  it("hides the users and zones tabs from others", async () => {
    await renderSettings("/settings/account", "operator");
    expect(screen.queryByTestId("settings-tab-users")).toBeNull();
    expect(screen.queryByTestId("settings-tab-zones")).toBeNull();
    expect(screen.getByRole("heading", { name: "My account" })).toBeTruthy();
  });

  it("sends /settings, unknown tabs and forbidden tabs to the first tab", async () => {
    const { history } = await renderSettings("/settings", "viewer");
    await waitFor(() => expect(history.get()).toBe("/settings/cameras"));
    history.set({ value: "/settings/users" });
    await waitFor(() => expect(history.get()).toBe("/settings/cameras"));
  });

  it("does not open the camera form for viewers", async () => {
    await renderSettings("/settings/cameras/new", "viewer");
    expect(screen.getByText("This settings page does not exist.")).toBeTruthy();
  });
});
