// Entry point: mount the application.
import { render } from "solid-js/web";
import App from "./app/App";
import "./app/styles.css";

const root = document.getElementById("root");
if (root) render(() => <App />, root);
