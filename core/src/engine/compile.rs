//! Compiling supplied freelancers and jobs into the catalogue's scan form: skill labels
//! resolved (remembered per normalised label; ad-hoc skills for unknown ones, linked to
//! look-alikes), languages, places and time zones interned, working windows read.

use std::str::FromStr;
use std::sync::Arc;

use chrono_tz::Tz;

use super::catalog::{Catalog, FreelancerEntry, JobEntry, RESOLUTION_MEMO};
use super::options::LabelReport;
use crate::domain::{Freelancer, History, Importance, Job, WorkingHours, normalize_language};
use crate::error::{Error, Result};
use crate::score::megilance::SeedSkills;
use crate::skills::{
    AdhocLinks, Claim, OccupationPosterior, Requirement, Resolution, SkillId, normalize_label,
};
use crate::util::TrimSpace;

impl Catalog {
    /// How `label` resolves against the taxonomy under the engine's rules (remembered per
    /// normalised label).
    pub fn resolution_of(&mut self, label: &str) -> Arc<Resolution> {
        let key = normalize_label(label);
        if let Some(r) = self.resolutions.get(&key) {
            return r.clone();
        }
        let r = Arc::new(self.taxonomy.resolve_with(label, &self.resolution));
        if self.resolutions.len() >= RESOLUTION_MEMO {
            self.resolutions.clear();
        }
        self.resolutions.insert(key, r.clone());
        r
    }

    /// Resolves a label: a taxonomy skill by the resolution rules, else an ad-hoc skill
    /// matched by its normalised label (created on first use, linked to look-alike ad-hoc
    /// labels; never dropped).
    pub fn resolve_skill(
        &mut self,
        field: &str,
        label: &str,
    ) -> Result<(SkillId, Arc<Resolution>)> {
        let r = self.resolution_of(label);
        if let Some(id) = r.skill {
            return Ok((id, r));
        }
        let key = normalize_label(label);
        let i = self.adhoc.intern(field, &key)?;
        if i as usize == self.adhoc_links.len() {
            self.adhoc_links.add(&key, &self.resolution);
        }
        Ok((self.taxonomy.len() as SkillId + i, r))
    }

    /// The report of `labels` (an entity's skill labels, already compiled).
    pub fn label_reports(&mut self, id: &str, labels: &[&str]) -> Vec<LabelReport> {
        labels
            .iter()
            .enumerate()
            .map(|(i, l)| {
                let r = self.resolution_of(l);
                self.label_report(id.to_owned(), i, l, &r)
            })
            .collect()
    }

    /// The report of one label resolved as `r`.
    pub fn label_report(
        &self,
        id: String,
        index: usize,
        label: &str,
        r: &Resolution,
    ) -> LabelReport {
        let (skill, uri, alike) = match r.skill.and_then(|s| self.taxonomy.get(s)) {
            Some(n) => (n.label.clone(), n.uri.clone(), Vec::new()),
            None => {
                let key = normalize_label(label);
                let alike = self
                    .adhoc
                    .get(&key)
                    .map(|a| {
                        self.adhoc_links
                            .links(a)
                            .iter()
                            .map(|&(o, sim)| {
                                (
                                    self.adhoc.name(o).unwrap_or_default().to_owned(),
                                    f64::from(sim),
                                )
                            })
                            .collect()
                    })
                    .unwrap_or_default();
                (key, None, alike)
            }
        };
        LabelReport {
            id,
            index,
            label: label.to_owned(),
            skill,
            uri,
            resolution: super::explain::label_resolution(r),
            alike,
        }
    }

    /// Rebuilds the ad-hoc links from the interner (after loading a snapshot).
    pub fn rebuild_adhoc_links(&mut self) {
        let mut links = AdhocLinks::new();
        for i in 0..self.adhoc.len() {
            links.add(
                self.adhoc.name(i as u32).unwrap_or_default(),
                &self.resolution,
            );
        }
        self.adhoc_links = links;
    }

    /// The display label of a skill id.
    pub fn skill_label(&self, id: SkillId) -> String {
        let t = self.taxonomy.len() as SkillId;
        if id < t {
            self.taxonomy
                .get(id)
                .map(|n| n.label.clone())
                .unwrap_or_default()
        } else {
            self.adhoc.name(id - t).unwrap_or_default().to_owned()
        }
    }

    /// `labels` compiled for the megilance_v1 skill factor; rejects (`field`) a label that
    /// would be the vocabulary's (u32::MAX + 1)-th.
    fn seed_skills(&mut self, field: &str, labels: &[String]) -> Result<SeedSkills> {
        self.seed_vocabulary.compile(labels).ok_or_else(|| {
            Error::invalid(field, "too many distinct skill labels (more than u32::MAX)")
        })
    }

    /// The occupation posterior of a skill set when the taxonomy has occupation profiles
    /// (empty otherwise; ad-hoc skills carry no occupation evidence).
    fn occupation_posterior(&self, skills: impl Iterator<Item = SkillId>) -> OccupationPosterior {
        match self.taxonomy.occupations() {
            Some(p) => p.posterior(skills),
            None => OccupationPosterior::default(),
        }
    }

    fn intern_zone(&mut self, field: &str, name: &str) -> Result<u32> {
        let tz = Tz::from_str(name.trim_space())
            .map_err(|_| Error::invalid(field, format!("unknown IANA time zone `{name}`")))?;
        let id = self.zones.intern(field, tz.name())?;
        if id as usize == self.zone_tz.len() {
            self.zone_tz.push(tz);
        }
        Ok(id)
    }

    fn intern_place(&mut self, field: &str, kind: &str, v: &str) -> Result<u32> {
        self.places
            .intern(field, &format!("{kind}:{}", v.trim_space().to_lowercase()))
    }

    /// Compiles a validated freelancer. `history` is the effective history to keep.
    pub fn compile_freelancer(
        &mut self,
        mut f: Freelancer,
        history: History,
    ) -> Result<FreelancerEntry> {
        let mut claims: Vec<Claim> = Vec::with_capacity(f.skills.len());
        let mut labels: Vec<String> = Vec::with_capacity(f.skills.len());
        let mut resolutions: Vec<Arc<Resolution>> = Vec::with_capacity(f.skills.len());
        for (i, s) in f.skills.iter().enumerate() {
            let (id, r) = self.resolve_skill(&format!("freelancer.skills[{i}].skill"), &s.skill)?;
            let sim = r.similarity as f32;
            match claims.iter_mut().position(|c| c.skill == id) {
                // Duplicate after resolution: merged, keeping the highest level and the
                // surest label (whose spelling is shown).
                Some(j) => {
                    claims[j].level = max_opt(claims[j].level, s.level);
                    if sim > claims[j].label_similarity {
                        claims[j].label_similarity = sim;
                        labels[j] = s.skill.trim_space().to_owned();
                        resolutions[j] = r;
                    }
                }
                None => {
                    claims.push(Claim {
                        skill: id,
                        level: s.level,
                        label_similarity: sim,
                    });
                    labels.push(s.skill.trim_space().to_owned());
                    resolutions.push(r);
                }
            }
        }
        let mut order: Vec<usize> = (0..claims.len()).collect();
        order.sort_by_key(|&i| claims[i].skill);
        let claims_sorted = order.iter().map(|&i| claims[i]).collect();
        let labels_sorted = order.iter().map(|&i| labels[i].clone()).collect();
        let resolutions_sorted = order.iter().map(|&i| resolutions[i].clone()).collect();
        let zone = match &f.timezone {
            Some(z) => Some(self.intern_zone("freelancer.timezone", z)?),
            None => None,
        };
        let hours = f.working_hours.unwrap_or_default();
        let mut langs = Vec::new();
        for (i, l) in f.languages.iter().enumerate() {
            let id = self.langs.intern(
                &format!("freelancer.languages[{i}]"),
                &normalize_language(l),
            )?;
            if !langs.contains(&id) {
                langs.push(id);
            }
        }
        let (mut country, mut region) = (None, None);
        if let Some(loc) = &f.location {
            if let Some(c) = loc
                .country
                .as_deref()
                .filter(|c| !c.trim_space().is_empty())
            {
                country = Some(self.intern_place("freelancer.location.country", "country", c)?);
            }
            if let Some(r) = loc.region.as_deref().filter(|r| !r.trim_space().is_empty()) {
                region = Some(self.intern_place("freelancer.location.region", "region", r)?);
            }
        }
        let raw_labels: Vec<String> = f.skills.iter().map(|s| s.skill.clone()).collect();
        let seed_skills = self.seed_skills("freelancer.skills", &raw_labels)?;
        f.history = Some(history.clone());
        let occupation = self.occupation_posterior(claims.iter().map(|c| c.skill));
        Ok(FreelancerEntry {
            occupation,
            input: f,
            history,
            claims: claims_sorted,
            claim_labels: labels_sorted,
            claim_resolutions: resolutions_sorted,
            raw_labels,
            seed_skills,
            zone,
            hours: (hours.start, hours.end),
            langs,
            country,
            region,
        })
    }

    /// Compiles a validated job.
    pub fn compile_job(&mut self, j: Job) -> Result<JobEntry> {
        let mut reqs: Vec<Requirement> = Vec::with_capacity(j.skills.len());
        let mut labels: Vec<String> = Vec::new();
        let mut resolutions: Vec<Arc<Resolution>> = Vec::new();
        for (i, s) in j.skills.iter().enumerate() {
            let (id, res) = self.resolve_skill(&format!("job.skills[{i}].skill"), &s.skill)?;
            let must = s.importance == Importance::Must;
            let weight = s.weight.unwrap_or(1.0);
            let sim = res.similarity as f32;
            match reqs.iter().position(|r| r.skill == id) {
                // Duplicate after resolution: merged into the stricter requirement, with the
                // surest label (whose spelling is shown).
                Some(k) => {
                    let r = &mut reqs[k];
                    r.must |= must;
                    r.min_level = max_opt(r.min_level, s.min_level);
                    r.weight = r.weight.max(weight);
                    if sim > r.label_similarity {
                        r.label_similarity = sim;
                        labels[k] = s.skill.trim_space().to_owned();
                        resolutions[k] = res;
                    }
                }
                None => {
                    reqs.push(Requirement {
                        skill: id,
                        min_level: s.min_level,
                        weight,
                        must,
                        label_similarity: sim,
                    });
                    labels.push(s.skill.trim_space().to_owned());
                    resolutions.push(res);
                }
            }
        }
        let (zone, hours) = match &j.timezone {
            Some(t) => (
                Some(self.intern_zone("job.timezone.zone", &t.zone)?),
                t.working_hours.unwrap_or_default(),
            ),
            None => (None, WorkingHours::default()),
        };
        let lang_ids = |list: &[String], name: &str, cat: &mut Catalog| -> Result<Vec<u32>> {
            let mut out = Vec::new();
            for (i, l) in list.iter().enumerate() {
                let id = cat
                    .langs
                    .intern(&format!("job.{name}[{i}]"), &normalize_language(l))?;
                if !out.contains(&id) {
                    out.push(id);
                }
            }
            Ok(out)
        };
        let required_langs = lang_ids(&j.languages, "languages", self)?;
        let preferred_langs = lang_ids(&j.preferred_languages, "preferred_languages", self)?;
        let mut countries = Vec::new();
        for (i, c) in j.location.countries.iter().enumerate() {
            countries.push(self.intern_place(
                &format!("job.location.countries[{i}]"),
                "country",
                c,
            )?);
        }
        let mut regions = Vec::new();
        for (i, r) in j.location.regions.iter().enumerate() {
            regions.push(self.intern_place(&format!("job.location.regions[{i}]"), "region", r)?);
        }
        let raw_labels: Vec<String> = j.skills.iter().map(|s| s.skill.clone()).collect();
        let seed_skills = self.seed_skills("job.skills", &raw_labels)?;
        let occupation = self.occupation_posterior(reqs.iter().map(|r| r.skill));
        Ok(JobEntry {
            occupation,
            input: j,
            reqs,
            req_labels: labels,
            req_resolutions: resolutions,
            raw_labels,
            seed_skills,
            zone,
            hours: (hours.start, hours.end),
            required_langs,
            preferred_langs,
            countries,
            regions,
        })
    }
}

fn max_opt(a: Option<f64>, b: Option<f64>) -> Option<f64> {
    match (a, b) {
        (Some(x), Some(y)) => Some(x.max(y)),
        (x, None) => x,
        (None, y) => y,
    }
}
