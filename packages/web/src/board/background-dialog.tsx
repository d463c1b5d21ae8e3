import {
  backgroundColors,
  backgroundColorValues,
  backgroundGradients,
  type BoardBackground,
  type BoardBackgroundInput,
  gradientCss,
  type UnsplashPhotoSummary,
} from '@switchboard/core';
import { type FormEvent, useEffect, useState } from 'react';
import { errorText } from '../api/error-text';
import { useServices } from '../services-context';
import { Dialog } from '../ui/dialog';
import { Icon } from '../ui/icons';

const title = (name: string) => name.charAt(0).toUpperCase() + name.slice(1);

/**
 * The background picker: named colours and gradients always, and Unsplash
 * photos when the server has a key (GET /api/unsplash). A choice is sent at
 * once and the board behind the dialog shows it; others see it live.
 */
export function BackgroundDialog({
  open,
  onClose,
  current,
  onChoose,
}: {
  open: boolean;
  onClose: () => void;
  current: BoardBackground;
  onChoose: (background: BoardBackgroundInput) => void;
}) {
  const { api } = useServices();
  const [unsplash, setUnsplash] = useState<boolean | null>(null);

  useEffect(() => {
    if (!open || unsplash !== null) return;
    let live = true;
    api.unsplashStatus().then(
      (s) => live && setUnsplash(s.enabled),
      () => live && setUnsplash(false),
    );
    return () => {
      live = false;
    };
  }, [open, unsplash, api]);

  return (
    <Dialog open={open} onClose={onClose} title="Background" wide className="background-dialog">
      <h3 className="background-heading">Colours</h3>
      <div className="bg-swatches" role="group" aria-label="Colours">
        {backgroundColors.map((color) => (
          <button
            key={color}
            type="button"
            className="bg-swatch"
            style={{ background: backgroundColorValues[color] }}
            aria-label={title(color)}
            title={title(color)}
            aria-pressed={current?.kind === 'color' && current.color === color}
            onClick={() => onChoose({ kind: 'color', color })}
          >
            <Icon name="check" />
          </button>
        ))}
      </div>
      <h3 className="background-heading">Gradients</h3>
      <div className="bg-swatches" role="group" aria-label="Gradients">
        {backgroundGradients.map((gradient) => (
          <button
            key={gradient}
            type="button"
            className="bg-swatch"
            style={{ background: gradientCss(gradient) }}
            aria-label={title(gradient)}
            title={title(gradient)}
            aria-pressed={current?.kind === 'gradient' && current.gradient === gradient}
            onClick={() => onChoose({ kind: 'gradient', gradient })}
          >
            <Icon name="check" />
          </button>
        ))}
      </div>
      {current?.kind === 'unsplash' && (
        <p className="background-current">
          Now: <Attribution name={current.photographer_name} url={current.photographer_url} />
        </p>
      )}
      {unsplash && <UnsplashSearch current={current} onChoose={onChoose} />}
      <div className="background-none">
        <button
          type="button"
          className="btn btn-secondary btn-sm"
          disabled={current === null}
          onClick={() => onChoose(null)}
        >
          No background
        </button>
      </div>
    </Dialog>
  );
}

/** “Photo by NAME on Unsplash”, both linked (with referral parameters), as Unsplash asks. */
export function Attribution({
  name,
  url,
  className,
}: {
  name: string;
  url: string;
  className?: string;
}) {
  return (
    <span className={className}>
      Photo by{' '}
      <a href={url} target="_blank" rel="noopener noreferrer">
        {name}
      </a>{' '}
      on{' '}
      <a
        href="https://unsplash.com/?utm_source=switchboard&utm_medium=referral"
        target="_blank"
        rel="noopener noreferrer"
      >
        Unsplash
      </a>
    </span>
  );
}

function UnsplashSearch({
  current,
  onChoose,
}: {
  current: BoardBackground;
  onChoose: (background: BoardBackgroundInput) => void;
}) {
  const { api } = useServices();
  const [query, setQuery] = useState('');
  const [searched, setSearched] = useState('');
  const [photos, setPhotos] = useState<UnsplashPhotoSummary[]>([]);
  const [page, setPage] = useState(0);
  const [pages, setPages] = useState(0);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  const load = async (q: string, p: number) => {
    setBusy(true);
    setError(null);
    try {
      const res = await api.searchUnsplash(q, p);
      setPhotos((old) => (p === 1 ? res.results : [...old, ...res.results]));
      setPage(p);
      setPages(res.total_pages);
      setSearched(q);
    } catch (e) {
      setError(errorText(e));
    } finally {
      setBusy(false);
    }
  };
  const submit = (e: FormEvent) => {
    e.preventDefault();
    const q = query.trim();
    if (q) void load(q, 1);
  };

  return (
    <section className="unsplash" aria-label="Photos from Unsplash">
      <h3 className="background-heading">Photos from Unsplash</h3>
      <form className="unsplash-search" role="search" onSubmit={submit}>
        <label htmlFor="unsplash-query" className="visually-hidden">
          Search photos
        </label>
        <input
          id="unsplash-query"
          className="input"
          type="search"
          placeholder="Search photos: mountains, city, sea…"
          maxLength={100}
          value={query}
          onChange={(e) => setQuery(e.target.value)}
        />
        <button type="submit" className="btn btn-primary btn-sm" disabled={busy || !query.trim()}>
          <Icon name="search" /> Search
        </button>
      </form>
      {error && (
        <p className="form-error" role="alert">
          {error}
        </p>
      )}
      {searched && photos.length === 0 && !busy && !error && (
        <p className="background-hint">No photos for “{searched}”.</p>
      )}
      <ul className="unsplash-grid">
        {photos.map((photo) => (
          <li key={photo.id} className="unsplash-tile">
            <button
              type="button"
              className="unsplash-photo"
              style={{
                backgroundColor: photo.color,
                backgroundImage: `url(${JSON.stringify(photo.urls.small)})`,
              }}
              aria-label={`${photo.alt ?? 'Photo'} by ${photo.photographer_name}`}
              aria-pressed={current?.kind === 'unsplash' && current.photo_id === photo.id}
              onClick={() => onChoose({ kind: 'unsplash', photo_id: photo.id })}
            >
              <Icon name="check" />
            </button>
            <Attribution
              className="unsplash-credit"
              name={photo.photographer_name}
              url={photo.photographer_url}
            />
          </li>
        ))}
      </ul>
      {page > 0 && page < pages && (
        <button
          type="button"
          className="btn btn-secondary btn-sm"
          disabled={busy}
          onClick={() => void load(searched, page + 1)}
        >
          More photos
        </button>
      )}
      {busy && <span className="spinner" aria-label="Searching" />}
    </section>
  );
}
