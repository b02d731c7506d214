// Owns the magic variables a run sets for every task (Ansible's VariableManager._get_magic_variables
// and its options vars): the hosts still going, the run's options, the play's role names, the
// Ansible release whose semantics kplay follows. Worked out per task, never by a node.
import type { PlayRun, RunOptions } from "./context.js";
import { OMIT, type Vars } from "./vars.js";

/** The Ansible release whose semantics kplay follows, as ansible_version shows it. */
const ANSIBLE_VERSION = { string: "2.14.18", full: "2.14.18", major: 2, minor: 14, revision: 18 };

/** Magic variables that change during a run: the hosts still going, the run's options, the roles. */
export function runMagic(o: RunOptions, run: PlayRun): Vars {
  return {
    ansible_check_mode: o.check,
    ansible_diff_mode: o.diff,
    ansible_run_tags: o.tags?.length ? o.tags : ["all"],
    ansible_skip_tags: o.skipTags ?? [],
    ansible_forks: o.forks,
    ansible_verbosity: o.verbosity ?? 0,
    ansible_play_hosts: run.live.play,
    play_hosts: run.live.play,
    ansible_play_batch: run.live.batch,
    ansible_play_hosts_all: run.playHosts,
    ansible_play_name: run.play.name,
    ...roleNameVars(run.play),
    ansible_version: ANSIBLE_VERSION,
    omit: OMIT,
  };
}

/**
 * Ansible's role-name variables of a play: ansible_play_role_names (the roles it names, and
 * role_names, their deprecated name), ansible_dependent_role_names, ansible_role_names (both).
 */
function roleNameVars(play: PlayRun["play"]): Vars {
  const cached = ROLE_NAME_VARS.get(play);
  if (cached) return cached;
  const { play: named = [], dependencies = [] } = play.roles ?? {};
  const dependent = [...new Set(dependencies)];
  const vars = {
    ansible_play_role_names: named,
    role_names: named,
    ansible_dependent_role_names: dependent,
    ansible_role_names: [...new Set([...dependent, ...named])],
  };
  ROLE_NAME_VARS.set(play, vars);
  return vars;
}

/** A play's role-name variables, worked out once per play (they are asked for per task and host). */
const ROLE_NAME_VARS = new WeakMap<PlayRun["play"], Vars>();
