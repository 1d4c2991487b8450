/** The photo and GPS inputs of the report form (antd form controls: value / onChange). */
import { useEffect, useMemo, useRef, useState } from 'react';
import { Button, Space, Typography } from 'antd';
import { AimOutlined, CameraOutlined, CloseOutlined, PictureOutlined } from '@ant-design/icons';
import { uuid } from '../api/client.ts';
import { useI18n } from '../i18n.tsx';
import { preparePhoto, sizeText } from './photo.ts';
import type { QueuedPhoto } from './queue.ts';

export const MAX_PHOTOS = 9;

export function PhotoPicker({ value, onChange, id, max = MAX_PHOTOS }: { value?: QueuedPhoto[]; onChange?(v: QueuedPhoto[]): void; id?: string; max?: number }) {
  const t = useI18n().t;
  const photos = useMemo(() => value ?? [], [value]);
  const [busy, setBusy] = useState(false);
  const camera = useRef<HTMLInputElement>(null);
  const gallery = useRef<HTMLInputElement>(null);
  const urls = useObjectUrls(photos);

  async function add(files: FileList | null) {
    if (!files?.length) return;
    setBusy(true);
    try {
      const room = Math.max(0, max - photos.length);
      const picked = [...files].slice(0, room);
      const prepared = await Promise.all(picked.map((f) => preparePhoto(f)));
      onChange?.([...photos, ...prepared.map((p) => ({ localId: uuid(), name: p.name, type: p.type, size: p.blob.size, blob: p.blob }))]);
    } finally {
      setBusy(false);
      if (camera.current) camera.current.value = '';
      if (gallery.current) gallery.current.value = '';
    }
  }

  const full = photos.length >= max;
  return (
    <div className="m-photos" id={id}>
      {photos.length > 0 && (
        <ul className="m-thumbs" aria-label={t('已选照片', 'Chosen photos')}>
          {photos.map((p, i) => (
            <li key={p.localId} className="m-thumb">
              {urls.get(p.localId) && <img src={urls.get(p.localId)} alt={t(`照片 ${i + 1}`, `Photo ${i + 1}`)} />}
              <span className="m-thumb-size">{sizeText(p.size)}</span>
              {p.attachmentId && <span className="m-thumb-up" title={t('已上传', 'Uploaded')}>✓</span>}
              <button type="button" className="m-thumb-del" aria-label={t(`删除照片 ${i + 1}`, `Remove photo ${i + 1}`)} onClick={() => onChange?.(photos.filter((x) => x.localId !== p.localId))}>
                <CloseOutlined />
              </button>
            </li>
          ))}
        </ul>
      )}
      <Space.Compact block>
        <Button size="large" icon={<CameraOutlined />} loading={busy} disabled={full} onClick={() => camera.current?.click()} className="m-half" aria-describedby={`${id}-hint`}>
          {t('拍照', 'Take photo')}
        </Button>
        <Button size="large" icon={<PictureOutlined />} disabled={full || busy} onClick={() => gallery.current?.click()} className="m-half">
          {t('相册', 'Gallery')}
        </Button>
      </Space.Compact>
      <Typography.Text type="secondary" className="m-hint" id={`${id}-hint`}>
        {t(`最多 ${max} 张；大图会自动压缩后保存`, `Up to ${max}; large photos are shrunk before saving`)}
      </Typography.Text>
      <input
        ref={camera}
        className="m-file-input"
        type="file"
        accept="image/*"
        capture="environment"
        multiple
        aria-label={t('拍照上传', 'Take a photo')}
        tabIndex={-1}
        data-testid="photo-camera"
        onChange={(e) => void add(e.target.files)}
      />
      <input ref={gallery} className="m-file-input" type="file" accept="image/*" multiple aria-label={t('从相册选择', 'Choose from gallery')} tabIndex={-1} onChange={(e) => void add(e.target.files)} />
    </div>
  );
}

/** Object URLs for the thumbnails, revoked when a photo goes or the form closes. */
function useObjectUrls(photos: QueuedPhoto[]): Map<string, string> {
  const ref = useRef(new Map<string, string>());
  const [, bump] = useState(0);
  useEffect(() => {
    const m = ref.current;
    const ids = new Set(photos.map((p) => p.localId));
    let changed = false;
    for (const p of photos)
      if (!m.has(p.localId)) {
        m.set(p.localId, URL.createObjectURL(p.blob));
        changed = true;
      }
    for (const [k, u] of m)
      if (!ids.has(k)) {
        URL.revokeObjectURL(u);
        m.delete(k);
        changed = true;
      }
    if (changed) bump((n) => n + 1);
  }, [photos]);
  useEffect(() => () => ref.current.forEach((u) => URL.revokeObjectURL(u)), []);
  return ref.current;
}

export interface Gps {
  lng: number;
  lat: number;
  accuracy: number | null;
  at: number;
}

type GpsProblem = 'denied' | 'unavailable' | 'timeout' | 'unsupported' | null;

export function GpsField({ value, onChange, id, auto }: { value?: Gps | null; onChange?(v: Gps | null): void; id?: string; auto?: boolean }) {
  const t = useI18n().t;
  const [busy, setBusy] = useState(false);
  const [problem, setProblem] = useState<GpsProblem>(null);
  const started = useRef(false);

  function locate() {
    if (!('geolocation' in navigator)) {
      setProblem('unsupported');
      return;
    }
    setBusy(true);
    setProblem(null);
    navigator.geolocation.getCurrentPosition(
      (pos) => {
        setBusy(false);
        onChange?.({
          lng: Number(pos.coords.longitude.toFixed(6)),
          lat: Number(pos.coords.latitude.toFixed(6)),
          accuracy: Number.isFinite(pos.coords.accuracy) ? Math.round(pos.coords.accuracy) : null,
          at: pos.timestamp || Date.now(),
        });
      },
      (err) => {
        setBusy(false);
        setProblem(err.code === err.PERMISSION_DENIED ? 'denied' : err.code === err.TIMEOUT ? 'timeout' : 'unavailable');
      },
      { enableHighAccuracy: true, timeout: 20_000, maximumAge: 30_000 },
    );
  }

  useEffect(() => {
    if (auto && !value && !started.current) {
      started.current = true;
      locate();
    }
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [auto]);

  const problemText: Record<Exclude<GpsProblem, null>, string> = {
    denied: t('未获得定位权限：请在浏览器设置中允许本站使用位置信息，或在下方手动填写地址。', 'Location permission denied: allow it in the browser settings, or type the address below.'),
    unavailable: t('暂时无法定位，请到开阔处重试。', 'No position yet; try again in the open.'),
    timeout: t('定位超时，请重试。', 'Locating timed out; try again.'),
    unsupported: t('此浏览器不支持定位，请手动填写地址。', 'This browser cannot locate; type the address.'),
  };
  const poor = value?.accuracy != null && value.accuracy > 100;
  return (
    <div className="m-gps" id={id}>
      {value ? (
        <div className="m-gps-value" data-testid="gps-value">
          <div>
            {t('经度', 'Lng')} {value.lng.toFixed(6)}，{t('纬度', 'Lat')} {value.lat.toFixed(6)}
          </div>
          <div className={poor ? 'm-gps-poor' : 'muted'}>
            {value.accuracy != null ? t(`精度约 ±${value.accuracy} 米`, `Accuracy about ±${value.accuracy} m`) : t('精度未知', 'Accuracy unknown')}
            {poor ? t('（偏差较大，可稍后重新定位）', ' (rough; locate again later)') : ''}
          </div>
        </div>
      ) : (
        !busy && !problem && <div className="muted">{t('尚未定位', 'Not located yet')}</div>
      )}
      {problem && (
        <div className="m-gps-problem" role="alert">
          {problemText[problem]}
        </div>
      )}
      <Space wrap>
        <Button icon={<AimOutlined />} onClick={locate} loading={busy} size="large">
          {busy ? t('定位中…', 'Locating…') : value ? t('重新定位', 'Locate again') : t('获取定位', 'Locate me')}
        </Button>
        {value && (
          <Button type="text" onClick={() => onChange?.(null)} size="large">
            {t('清除', 'Clear')}
          </Button>
        )}
      </Space>
    </div>
  );
}
