// The rules tab: pick a camera, then list, add, edit and remove its rules (what a tracked object
// must do in which zone or across which line, and when, for an event).
import { A } from "@solidjs/router";
import CameraSection from "../CameraSection";
import { sectionPath } from "../sections";
import RuleEditor from "./RuleEditor";

export default function RulesTab(props: { cameraId: string | undefined }) {
  return (
    <CameraSection tab="rules" title="Rules" testPrefix="rule" cameraId={props.cameraId}>
      {(cameraId) => (
        <>
          <p class="muted small">
            Rules watch the zones and lines drawn in{" "}
            <A href={sectionPath("zones", cameraId)} data-testid="rules-to-zones">
              Zones &amp; lines
            </A>
            . A line's arrow points from side A to side B: A→B counts as in.
          </p>
          <RuleEditor cameraId={cameraId} />
        </>
      )}
    </CameraSection>
  );
}
