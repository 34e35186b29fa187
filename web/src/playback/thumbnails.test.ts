// The hover frame cache: one request per time step, least recently used dropped, failures retried.
import { createThumbnailCache, frameUrl, quantize } from "./thumbnails";

describe("thumbnails", () => {
  // jsdom has no object URLs: numbered stand-ins, removed again after each test.
  const jsdomUrl = URL as unknown as Record<string, unknown>;
  let urls = 0;
  beforeEach(() => {
    urls = 0;
    jsdomUrl.createObjectURL = vi.fn(() => `blob:${++urls}`);
    jsdomUrl.revokeObjectURL = vi.fn();
  });
  afterEach(() => {
    delete jsdomUrl.createObjectURL;
    delete jsdomUrl.revokeObjectURL;
  });

  it("asks the frame endpoint with the camera, stream, instant and width", () => {
    expect(frameUrl("cam 1", "sub", 1234.6, 160)).toBe(
      "/api/v1/cameras/cam%201/frame?at=1235&stream=sub&width=160",
    );
    expect(quantize(12_345, 1000)).toBe(12_000);
  });

  it("fetches each instant once and drops the least recently used", async () => {
    const load = vi.fn(async () => new Blob(["jpeg"]));
    const cache = createThumbnailCache("cam1", "main", 2, load);
    expect(await cache.get(1000)).toBe("blob:1");
    expect(await cache.get(1000)).toBe("blob:1");
    await cache.get(2000);
    await cache.get(1000); // 1000 is now the most recent
    await cache.get(3000); // drops 2000
    expect(load).toHaveBeenCalledTimes(3);
    expect(URL.revokeObjectURL).toHaveBeenCalledWith("blob:2");
    await cache.get(2000); // fetched again; drops 1000
    expect(load).toHaveBeenCalledTimes(4);
    expect(URL.revokeObjectURL).toHaveBeenLastCalledWith("blob:1");
    cache.dispose();
    await Promise.resolve();
    expect(URL.revokeObjectURL).toHaveBeenCalledTimes(4);
  });

  it("does not keep a failure", async () => {
    const load = vi.fn().mockRejectedValueOnce(new Error("404")).mockResolvedValue(new Blob(["x"]));
    const cache = createThumbnailCache("cam1", "main", 5, load);
    await expect(cache.get(1000)).rejects.toThrow("404");
    expect(await cache.get(1000)).toBe("blob:1");
  });
});
