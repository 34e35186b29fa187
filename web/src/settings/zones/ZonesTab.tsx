// The zones tab: pick a camera, then draw, name and save its zones and lines on its picture.
import CameraSection from "../CameraSection";
import ZoneEditor from "./ZoneEditor";

export default function ZonesTab(props: { cameraId: string | undefined }) {
  return (
    <CameraSection tab="zones" title="Zones and lines" testPrefix="zone" cameraId={props.cameraId}>
      {(cameraId) => <ZoneEditor cameraId={cameraId} />}
    </CameraSection>
  );
}
