// One camera's playback: video, transport, timeline and export, wired to shared state and keys.
import { createEffect, createMemo, createSignal, onCleanup, onMount, Show, untrack } from "solid-js";
import type { components } from "../api/schema";
import { hasRole, session } from "../auth/session";
import { createEventMarkers } from "./eventMarkers";
import ExportPanel from "./ExportPanel";
import { containing } from "./intervals";
import { keyAction, type Action } from "./keyboard";
import type { TimelineMarker } from "./markers";
import { createNavigation } from "./navigation";
import { createPlaybackController } from "./playbackController";
import PlayerControls from "./PlayerControls";
import ShortcutHelp from "./ShortcutHelp";
import { createThumbnailCache, quantize } from "./thumbnails";
import Timeline from "./Timeline";
import { createTimelineData } from "./timelineData";
import { centredOn, HOUR, latestView, MAX_SPAN_MS, nextLevel, SECOND, type View } from "./time";
import ZoomBar from "./ZoomBar";

export type Camera = components["schemas"]["CameraView"];

export interface CameraPlaybackProps {
  camera: Camera;
  initialAtMs: number | null;
  /** More to mark on the timeline besides the camera's events (bookmarks, say). */
  markers?: readonly TimelineMarker[];
}

const LATEST_LEAD_MS = 30 * SECOND; // with no time asked for, start this long before the end

export default function CameraPlayback(props: CameraPlaybackProps) {
  const { id: cameraId, record_stream: stream } = props.camera;
  const initialAt = props.initialAtMs;
  const [nowMs, setNow] = createSignal(Date.now());
  const clock = setInterval(() => setNow(Date.now()), SECOND);
  onCleanup(() => clearInterval(clock));

  const start = Date.now();
  const [view, setView] = createSignal<View>(
    initialAt === null ? latestView(HOUR, start) : centredOn(initialAt, HOUR, start),
  );
  const timeline = createTimelineData(cameraId, stream, view, () => Date.now());
  const recorded = () => timeline.data()?.recorded ?? [];
  const player = createPlaybackController(cameraId, stream, recorded, () => Date.now());
  const thumbs = createThumbnailCache(cameraId, stream);
  onCleanup(() => {
    player.dispose();
    thumbs.dispose();
  });
  const events = createEventMarkers(cameraId, view, () => Date.now());
  const markers = createMemo(() => [...(props.markers ?? []), ...events.markers()]);
  const [selStart, setSelStart] = createSignal<number | null>(null);
  const [selEnd, setSelEnd] = createSignal<number | null>(null);
  const [help, setHelp] = createSignal(false);
  const [muted, setMuted] = createSignal(true);
  const [empty, setEmpty] = createSignal(false);

  // First position: the asked moment, else just before the latest recording (widening the view
  // until a recording shows up, up to a month).
  let positioned = false;
  createEffect(() => {
    const data = timeline.data();
    if (positioned || !data) return;
    if (data.recorded.length === 0 && initialAt === null) {
      const span = untrack(view).spanMs;
      if (span >= MAX_SPAN_MS) setEmpty(true);
      else setView(latestView(nextLevel(span, -1), Date.now()));
      return;
    }
    positioned = true;
    const last = data.recorded[data.recorded.length - 1];
    const target = initialAt ?? (last ? Math.max(last.startMs, last.endMs - LATEST_LEAD_MS) : null);
    if (target !== null) player.seek(target);
  });

  const nav = createNavigation(view, setView, player, recorded, markers);

  const act = (action: Action) => {
    const cursor = player.cursor();
    switch (action.type) {
      case "toggle-play":
        return nav.togglePlay();
      case "step":
        return nav.step(action.ms);
      case "zoom":
        return nav.zoom(action.direction);
      case "mark-start":
        return cursor !== null && setSelStart(Math.round(cursor));
      case "mark-end":
        return cursor !== null && setSelEnd(Math.round(cursor));
      case "previous":
        return nav.jump(-1);
      case "next":
        return nav.jump(1);
      case "help":
        return setHelp(!help());
      case "close":
        return setHelp(false);
    }
  };
  onMount(() => {
    const onKey = (event: KeyboardEvent) => {
      const action = keyAction(event);
      if (!action || (action.type === "close" && !help())) return;
      event.preventDefault();
      act(action);
    };
    document.addEventListener("keydown", onKey);
    onCleanup(() => document.removeEventListener("keydown", onKey));
  });

  const thumbnail = (ms: number) => {
    const item = containing(recorded(), ms);
    if (!item) return null;
    const quantized = quantize(ms, Math.max(SECOND, view().spanMs / 200));
    const atMs = Math.min(Math.max(quantized, item.startMs), item.endMs - 1);
    return { atMs, url: thumbs.get(atMs) };
  };
  const selection = () => {
    const [a, b] = [selStart(), selEnd()];
    return a !== null && b !== null && b > a ? { startMs: a, endMs: b } : null;
  };

  return (
    <div class="playback" data-testid="camera-playback" data-camera={cameraId}>
      <div class="player-area">
        <video
          ref={(video) => player.attach(video)}
          muted={muted()}
          playsinline
          data-testid="playback-video"
        />
        <Show when={player.error()}>
          <p class="error player-error" role="alert" data-testid="player-error">
            {player.error()}
          </p>
        </Show>
        <Show when={empty()}>
          <p class="empty player-error">No recordings of this camera in the last 30 days.</p>
        </Show>
      </div>
      <PlayerControls
        playing={player.playing()}
        loading={player.loading()}
        rate={player.rate()}
        cursorMs={player.cursor()}
        jumpTarget={markers().length > 0 ? "event" : "recording boundary"}
        liveHref={`/live/${encodeURIComponent(cameraId)}`}
        muted={muted()}
        onToggle={() => act({ type: "toggle-play" })}
        onStep={nav.step}
        onPrevious={() => nav.jump(-1)}
        onNext={() => nav.jump(1)}
        onRate={(rate) => player.setRate(rate)}
        onMuted={setMuted}
      />
      <div class="row timeline-head">
        <ZoomBar
          spanMs={view().spanMs}
          onZoom={nav.zoom}
          onLatest={nav.latest}
        />
        <ShortcutHelp open={help()} onOpen={setHelp} />
      </div>
      <Show when={timeline.error()}>
        <p class="error" role="alert">The timeline could not be loaded: {timeline.error()}</p>
      </Show>
      <Show when={events.error()}>
        <p class="error" role="alert">The events could not be loaded: {events.error()}</p>
      </Show>
      <Timeline
        view={view()}
        onView={nav.changeView}
        nowMs={nowMs()}
        cursorMs={player.cursor()}
        recorded={recorded()}
        gaps={timeline.data()?.gaps ?? []}
        markers={markers()}
        selection={selection()}
        onSeek={(ms) => nav.seek(ms)}
        onScrub={(ms) => player.preview(ms)}
        onSelect={(range) => {
          setSelStart(Math.round(range.startMs));
          setSelEnd(Math.round(range.endMs));
        }}
        onMarker={(marker) => nav.seek(marker.atMs)}
        thumbnail={thumbnail}
      />
      <Show
        when={hasRole("operator")}
        fallback={<p class="muted">Exporting needs the operator role.</p>}
      >
        <ExportPanel
          cameraId={cameraId}
          stream={stream}
          requestedBy={session()?.user.username ?? "web"}
          startMs={selStart()}
          endMs={selEnd()}
          onStart={setSelStart}
          onEnd={setSelEnd}
        />
      </Show>
    </div>
  );
}
