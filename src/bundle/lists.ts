// Owns the bundle's lists, generated from the download variables (playbooks/vars/download.yml,
// kubespray's naming) and never kept by hand: every `*_download_url` is a file and every
// `*_image_repo` with its `*_image_tag` an image, rendered once per architecture with
// image_arch set to it and download_url set to "https:/" (the files tree keeps upstream URLs as
// <host>/<path>, so the template yields the upstream URL).
import { readFileSync } from "node:fs";
import { parseYamlData } from "../yaml-source.js";
import { inputError, KplayError } from "../errors.js";
import { renderValue } from "../template/render.js";

export const ARCHES = ["amd64", "arm64"] as const;

export interface ListEntry {
  /** The variable's stem: kubeadm (kubeadm_download_url), calico_node (calico_node_image_repo/tag). */
  name: string;
  arch: string;
  /** A URL for files, repo:tag for images. */
  value: string;
  /** Files: the sha256 upstream publishes, pinned in the download variables (<name>_checksum). */
  sha256?: string;
}

export function readDownloadVars(file: string): Record<string, unknown> {
  let data: unknown;
  try {
    data = parseYamlData(readFileSync(file, "utf8"), file);
  } catch (e) {
    throw inputError(`cannot read the download variables: ${(e as Error).message.split("\n")[0]}`, { file });
  }
  if (!data || typeof data !== "object" || Array.isArray(data))
    throw inputError("expected a mapping of variables", { file });
  return data as Record<string, unknown>;
}

/** Files and images for each of `arches`, from `vars` (the download file's, overridden by config and -e). */
export function bundleLists(
  vars: Record<string, unknown>,
  arches: readonly string[],
  file = "download variables",
): { files: ListEntry[]; images: ListEntry[] } {
  const files: ListEntry[] = [];
  const images: ListEntry[] = [];
  const kv = vars.kube_version;
  if (kv !== undefined && !/^v\d+\.\d+\.\d+$/.test(String(kv)))
    throw inputError(
      `${JSON.stringify(kv)} is not a Kubernetes release such as v1.28.4`,
      { field: "kube_version" },
      /^\d+\.\d+\.\d+$/.test(String(kv)) ? `write v${String(kv)}` : undefined,
    );
  for (const arch of arches) {
    const ctx: Record<string, unknown> = { ...vars, image_arch: arch, kplay_arch: arch, download_url: "https:/" };
    const render = (key: string): string => {
      try {
        return String(renderValue(ctx[key], ctx, { file, field: key })).trim();
      } catch (e) {
        if (e instanceof KplayError)
          throw new KplayError("input", e.message, {
            where: e.where,
            hint: "set the variable in config.yaml's kubespray section or with -e",
          });
        throw e;
      }
    };
    for (const key of Object.keys(vars).sort()) {
      const f = /^(.+)_download_url$/.exec(key);
      if (f) {
        const url = render(key);
        if (!/^https?:\/\/[^/\s]+\/\S+$/.test(url))
          throw inputError(`renders to "${url}", not an http(s) URL`, { file, field: key });
        const pinKey = `${f[1]}_checksum`;
        const pin = pinKey in vars ? render(pinKey).toLowerCase() : "";
        if (pin && !/^[0-9a-f]{64}$/.test(pin))
          throw inputError(`renders to "${pin}", not a sha256`, { file, field: pinKey });
        files.push({ name: f[1], arch, value: url, ...(pin ? { sha256: pin } : {}) });
      }
      const i = /^(.+)_image_repo$/.exec(key);
      if (i) {
        const tagKey = `${i[1]}_image_tag`;
        if (!(tagKey in vars)) throw inputError(`${key} has no ${tagKey} beside it`, { file, field: key });
        const image = `${render(key)}:${render(tagKey)}`;
        // a template left in the name (raw text, a missing variable quoted away) is no image
        if (/[{}%\s]/.test(image) || !/^[a-z0-9][\w.\-/:@]*$/i.test(image))
          throw inputError(`renders to "${image}", not an image reference`, { file, field: key });
        images.push({ name: i[1], arch, value: image });
      }
    }
  }
  return { files, images };
}

/** Distinct values, sorted. */
export const distinct = (entries: ListEntry[]): string[] => [...new Set(entries.map((e) => e.value))].sort();
